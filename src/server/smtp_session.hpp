// The SMTP session: drives smtp::ServerProtocol over one connection (ports 25/587/465). It only
// moves bytes, runs TLS and timeouts, and answers the protocol's questions by asking the router
// (RCPT) and the MDA (end of data). It never writes a mailbox itself.
// Trust: faces the internet.
#pragma once

#include "net/asio.hpp"
#include "proto/smtp/server_protocol.hpp"
#include "server/context.hpp"

namespace facteur::server {

// Spawns the session on the socket's executor. `implicit_tls`: TLS from the first byte (465).
void start_smtp_session(ServerContext& ctx, net::tcp::socket socket, smtp::Role role,
                        bool implicit_tls);

}  // namespace facteur::server
