// Logging: spdlog to stderr; one call at start-up sets the level.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace facteur {

// Sets up the default logger (stderr, timestamped). Unknown levels fall back to "info".
void init_logging(std::string_view level);

}  // namespace facteur
