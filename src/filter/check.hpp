// One check of the filter pipeline: it looks at the analysed message and the session context
// and adds reasons (points and a label) to the verdict. Checks are independent and stateless
// per message; they may share read-only data (models, brand lists) between threads.
// Trust: sees internet input (the message) through MessageView.
#pragma once

#include <string_view>

#include "filter/context.hpp"
#include "filter/message_view.hpp"
#include "filter/verdict.hpp"

namespace facteur::filter {

class Check {
 public:
  virtual ~Check() = default;
  virtual std::string_view name() const noexcept = 0;
  // Adds zero or more reasons to `verdict` (never changes label or action: the pipeline
  // decides those from the sum).
  virtual void run(const MessageView& message, const Context& context, Verdict& verdict) const = 0;
};

}  // namespace facteur::filter
