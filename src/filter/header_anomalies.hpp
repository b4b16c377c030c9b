// Header fields a mail program writes right and spamware botches or forges (RFC 5322 §3.3,
// §3.6.1, §3.6.4; RFC 2047 §5): the kind of evidence SpamAssassin's INVALID_DATE,
// DATE_IN_FUTURE, INVALID_MSGID rules weigh, independent of the words and of the era.
// Trust: sees internet input (header values); linear time.
#pragma once

#include <string>

#include "filter/message_view.hpp"

namespace facteur::filter {

struct HeaderAnomalies {
  bool date_invalid = false;          // a Date no lenient parser can read
  bool date_without_zone = false;     // "Thu, 8 Aug 2002 11:08:32": no zone (not "-0000")
  bool date_ahead = false;            // more than 3 hours after the newest Received: date
  bool message_id_malformed = false;  // not "<left@right>"
  bool encoded_address = false;       // an RFC 2047 encoded-word inside the From address

  int count() const noexcept {
    return date_invalid + date_without_zone + date_ahead + message_id_malformed + encoded_address;
  }
  std::string describe() const;  // "Date without zone, malformed Message-ID"
};

HeaderAnomalies find_header_anomalies(const MessageView& m);

}  // namespace facteur::filter
