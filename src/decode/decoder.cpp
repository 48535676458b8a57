#include "decode/decoder.h"

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

}  // namespace parcrop
