// The daemon: binds every configured listener, drops privileges, opens the store, and runs the
// SMTP/POP3 sessions on the I/O pool until SIGTERM/SIGINT, then stops gracefully (idle sessions are
// told to leave, transactions in flight finish, exit within 5 s).
#pragma once

#include "base/config.hpp"

namespace facteur::server {

// Runs in the foreground; returns the process exit status.
int serve(const Config& config);

}  // namespace facteur::server
