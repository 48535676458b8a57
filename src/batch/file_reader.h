// Reads an item's encoded bytes: a whole file into a buffer that a worker reuses from
// item to item, with the file-level failures told apart (missing, a directory,
// unreadable, empty, over the size limit).
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "decode/decoder.h"

namespace parcrop {

Status read_file(const char* path, uint64_t max_file_size, std::vector<uint8_t>* buffer,
                 ByteSpan* bytes);

}  // namespace parcrop
