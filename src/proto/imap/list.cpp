#include "proto/imap/list.hpp"

#include <algorithm>
#include <map>

#include "proto/imap/mailbox_name.hpp"

namespace facteur::imap {
namespace {

struct Node {
  bool exists = false;
  bool subscribed = false;
  bool has_children = false;  // some existing mailbox below
  bool subscribed_child = false;
  std::string_view special_use;
};

void add_attr(std::string& a, std::string_view v) {
  if (!a.empty()) a += ' ';
  a.append(v);
}

}  // namespace

std::vector<ListReply> list_replies(const ListCmd& cmd, std::span<const MailboxEntry> mailboxes,
                                    std::span<const std::string> subscriptions) {
  // Every name and every ancestor of one, with what is known about it.
  std::map<std::string, Node> nodes;
  auto ancestors = [](const std::string& name, auto&& f) {
    for (auto pos = name.find(kDelimiter); pos != std::string::npos;
         pos = name.find(kDelimiter, pos + 1))
      f(name.substr(0, pos));
  };
  for (const auto& m : mailboxes) {
    auto& n = nodes[m.name];
    n.exists = true;
    n.special_use = m.special_use;
    ancestors(m.name, [&](std::string parent) { nodes[parent].has_children = true; });
  }
  for (const auto& s : subscriptions) {
    nodes[s].subscribed = true;
    ancestors(s, [&](std::string parent) { nodes[parent].subscribed_child = true; });
  }
  auto matches = [&](const std::string& name) {
    return std::any_of(cmd.patterns.begin(), cmd.patterns.end(),
                       [&](const std::string& p) { return list_match(p, name); });
  };
  auto child_matches = [&](const std::string& name) {
    return std::any_of(cmd.patterns.begin(), cmd.patterns.end(),
                       [&](const std::string& p) { return list_match_prefix(p, name); });
  };

  std::vector<ListReply> out;
  const bool by_subscription = cmd.lsub || cmd.select_subscribed;
  for (const auto& [name, n] : nodes) {
    if (name.empty()) continue;
    ListReply r;
    r.name = name;
    bool selected = false;
    bool childinfo = false;
    if (by_subscription) {
      if (n.subscribed && (!cmd.select_special_use || !n.special_use.empty())) {
        selected = matches(name);
      } else if (n.subscribed_child && matches(name)) {
        if (cmd.lsub) {
          // RFC 3501 §6.3.9: "%" returns a parent of subscribed names as \Noselect.
          if (!child_matches(name)) {
            r.attributes = "\\Noselect";
            out.push_back(std::move(r));
          }
          continue;
        }
        if (cmd.select_recursive_match) {
          selected = true;
          childinfo = true;
        }
      }
      if (!selected) continue;
    } else if (cmd.select_special_use) {
      if (!n.exists || n.special_use.empty() || !matches(name)) continue;
      selected = true;
    } else {
      if (!matches(name)) continue;
      if (!n.exists && !n.has_children) continue;  // a subscription only
      // A missing parent is listed (\Noselect) only when its children cannot be, as with "%".
      if (!n.exists && child_matches(name)) continue;
      selected = true;
    }
    // Attributes.
    const bool listed_subscribed = n.subscribed && !childinfo;
    if (!n.exists) {
      if (cmd.lsub) {
        // LSUB lists subscribed names as they are.
      } else if (n.has_children && !by_subscription) {
        add_attr(r.attributes, "\\Noselect");
      } else {
        add_attr(r.attributes, "\\NonExistent");
      }
    }
    if (!cmd.lsub) {
      if (n.exists || n.has_children)
        add_attr(r.attributes, n.has_children ? "\\HasChildren" : "\\HasNoChildren");
      if ((cmd.select_subscribed || cmd.return_subscribed) && listed_subscribed)
        add_attr(r.attributes, "\\Subscribed");
      if (!n.special_use.empty()) add_attr(r.attributes, n.special_use);
    }
    if (childinfo) r.extended = "(\"CHILDINFO\" (\"SUBSCRIBED\"))";
    r.status = cmd.return_status.has_value() && n.exists;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace facteur::imap
