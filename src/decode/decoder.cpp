#include "decode/decoder.h"

#include <string>

namespace parcrop {

bool request_fits(const DecodeRequest& request, uint32_t width, uint32_t height) {
    if (request.x0 >= request.x1 || request.x1 > width) return false;
    if (request.channels != 1 && request.channels != 3 && request.channels != 4) return false;
    const std::vector<uint32_t>* rows = request.rows;
    if (rows == nullptr || rows->empty() || rows->back() >= height) return false;
    for (size_t i = 1; i < rows->size(); ++i) {
        if ((*rows)[i - 1] >= (*rows)[i]) return false;
    }
    return true;
}

Status begin_full_scale_decode(const char* codec, bool header_read, bool* decode_started,
                               const DecodeRequest& request, uint32_t width, uint32_t height) {
    const std::string name(codec);
    if (!header_read) return Status(PARCROP_E_INTERNAL, name + ": decode before read_header");
    if (*decode_started) return Status(PARCROP_E_INTERNAL, name + ": decode called twice");
    *decode_started = true;
    if (!(request.scale_denom == 1 && request_fits(request, width, height))) {
        return Status(PARCROP_E_INTERNAL, name + ": invalid decode request");
    }
    return Status::ok();
}

}  // namespace parcrop
