#include "proto/imap/command.hpp"

namespace facteur::imap {

std::string_view to_string(StatusItem item) noexcept {
  switch (item) {
    case StatusItem::messages:
      return "MESSAGES";
    case StatusItem::recent:
      return "RECENT";
    case StatusItem::uidnext:
      return "UIDNEXT";
    case StatusItem::uidvalidity:
      return "UIDVALIDITY";
    case StatusItem::unseen:
      return "UNSEEN";
    case StatusItem::deleted:
      return "DELETED";
    case StatusItem::size:
      return "SIZE";
    case StatusItem::highestmodseq:
      return "HIGHESTMODSEQ";
    case StatusItem::appendlimit:
      return "APPENDLIMIT";
  }
  return "";
}

namespace {

template <class... F>
struct Overload : F... {
  using F::operator()...;
};

}  // namespace

std::string_view command_name(const Command& command) {
  return std::visit(
      Overload{
          [](const CapabilityCmd&) -> std::string_view { return "CAPABILITY"; },
          [](const NoopCmd&) -> std::string_view { return "NOOP"; },
          [](const LogoutCmd&) -> std::string_view { return "LOGOUT"; },
          [](const StartTlsCmd&) -> std::string_view { return "STARTTLS"; },
          [](const AuthenticateCmd&) -> std::string_view { return "AUTHENTICATE"; },
          [](const LoginCmd&) -> std::string_view { return "LOGIN"; },
          [](const EnableCmd&) -> std::string_view { return "ENABLE"; },
          [](const SelectCmd& c) -> std::string_view { return c.read_only ? "EXAMINE" : "SELECT"; },
          [](const CreateCmd&) -> std::string_view { return "CREATE"; },
          [](const DeleteCmd&) -> std::string_view { return "DELETE"; },
          [](const RenameCmd&) -> std::string_view { return "RENAME"; },
          [](const SubscribeCmd& c) -> std::string_view {
            return c.subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE";
          },
          [](const ListCmd& c) -> std::string_view { return c.lsub ? "LSUB" : "LIST"; },
          [](const NamespaceCmd&) -> std::string_view { return "NAMESPACE"; },
          [](const StatusCmd&) -> std::string_view { return "STATUS"; },
          [](const IdleCmd&) -> std::string_view { return "IDLE"; },
          [](const CheckCmd&) -> std::string_view { return "CHECK"; },
          [](const CloseCmd&) -> std::string_view { return "CLOSE"; },
          [](const UnselectCmd&) -> std::string_view { return "UNSELECT"; },
          [](const ExpungeCmd& c) -> std::string_view {
            return c.uids ? "UID EXPUNGE" : "EXPUNGE";
          },
          [](const SearchCmd& c) -> std::string_view { return c.uid ? "UID SEARCH" : "SEARCH"; },
          [](const SortCmd& c) -> std::string_view { return c.uid ? "UID SORT" : "SORT"; },
          [](const ThreadCmd& c) -> std::string_view { return c.uid ? "UID THREAD" : "THREAD"; },
          [](const FetchCmd& c) -> std::string_view { return c.uid ? "UID FETCH" : "FETCH"; },
          [](const StoreCmd& c) -> std::string_view { return c.uid ? "UID STORE" : "STORE"; },
          [](const CopyCmd& c) -> std::string_view {
            if (c.move) return c.uid ? "UID MOVE" : "MOVE";
            return c.uid ? "UID COPY" : "COPY";
          },
          [](const IdCmd&) -> std::string_view { return "ID"; },
          [](const GetQuotaCmd&) -> std::string_view { return "GETQUOTA"; },
          [](const GetQuotaRootCmd&) -> std::string_view { return "GETQUOTAROOT"; },
          [](const SetQuotaCmd&) -> std::string_view { return "SETQUOTA"; },
          [](const CompressCmd&) -> std::string_view { return "COMPRESS"; },
      },
      command);
}

}  // namespace facteur::imap
