// The POP3 session: drives pop3::Protocol over one connection (ports 110/995). It checks
// credentials through the directory, takes the maildrop lock, streams messages from the store and
// commits deletions at QUIT. Trust: faces the internet.
#pragma once

#include "net/asio.hpp"
#include "server/context.hpp"

namespace facteur::server {

void start_pop3_session(ServerContext& ctx, net::tcp::socket socket, bool implicit_tls);

}  // namespace facteur::server
