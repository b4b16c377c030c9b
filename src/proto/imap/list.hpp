// LIST / LSUB answers (RFC 9051 §6.3.9, RFC 3501 §6.3.8–9, RFC 5258 LIST-EXTENDED, RFC 6154
// SPECIAL-USE, RFC 5819 LIST-STATUS) computed from the account's mailboxes and subscriptions:
// which names to return, with which attributes and CHILDINFO extended data. The session only
// supplies the lists and writes the replies (and STATUS for those that ask for it).
//
// TRUST: patterns come from the client (bounded by the parser); matching is O(patterns x names
// x pattern length x name length) with names and patterns at most kMaxMailboxName octets.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/imap/command.hpp"

namespace facteur::imap {

struct MailboxEntry {
  std::string name;              // canonical UTF-8, sorted by the caller (any order works)
  std::string_view special_use;  // "\\Sent", "\\Trash"... or ""
};

struct ListReply {
  std::string name;
  std::string attributes;  // e.g. "\\HasNoChildren \\Subscribed \\Sent"
  std::string extended;    // e.g. "(\"CHILDINFO\" (\"SUBSCRIBED\"))" or ""
  bool status = false;     // LIST-STATUS: write a STATUS response after this LIST (RFC 5819)
};

// The replies for `cmd`, in name order. `subscriptions` are the subscribed names (they may
// name mailboxes that do not exist).
std::vector<ListReply> list_replies(const ListCmd& cmd, std::span<const MailboxEntry> mailboxes,
                                    std::span<const std::string> subscriptions);

}  // namespace facteur::imap
