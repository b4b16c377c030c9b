#include "base/log.hpp"

#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace facteur {

void init_logging(std::string_view level) {
  auto logger = spdlog::stderr_color_mt("facteur");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") lvl = spdlog::level::info;
  spdlog::set_level(lvl);
}

}  // namespace facteur
