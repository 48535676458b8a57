#include "batch/jpeg_index_cache.h"

#include <algorithm>

namespace parcrop {

uint64_t jpeg_index_bytes(const JpegEntropyIndex* index) {
    if (index == nullptr) return 0;
    return sizeof *index + index->positions.capacity() * sizeof(uint64_t) +
           index->predictors.capacity() * sizeof(int32_t);
}

JpegIndexCache::Lookup JpegIndexCache::find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = where_.find(key);
    if (it == where_.end()) return Lookup{};
    order_.splice(order_.begin(), order_, it->second);
    return Lookup{true, it->second->second};
}

void JpegIndexCache::insert(const std::string& key, std::shared_ptr<const JpegEntropyIndex> index) {
    // The key and the list and map nodes that hold it.
    const uint64_t size = jpeg_index_bytes(index.get()) + key.size() + 64;
    if (size > budget_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = where_.find(key);
    if (it != where_.end()) {
        bytes_ -= jpeg_index_bytes(it->second->second.get()) + key.size() + 64;
        order_.erase(it->second);
        where_.erase(it);
    }
    order_.emplace_front(key, std::move(index));
    where_[key] = order_.begin();
    bytes_ += size;
    while (bytes_ > budget_ && !order_.empty()) {
        const Entry& last = order_.back();
        bytes_ -= jpeg_index_bytes(last.second.get()) + last.first.size() + 64;
        where_.erase(last.first);
        order_.pop_back();
    }
}

uint64_t JpegIndexCache::bytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return bytes_;
}

namespace {

uint64_t fnv1a(const uint8_t* data, size_t size, uint64_t hash) {
    for (size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 0x100000001b3ull;
    return hash;
}

}  // namespace

std::string memory_index_key(const uint8_t* data, size_t size) {
    const size_t edge = std::min<size_t>(size, 4096);
    uint64_t hash = fnv1a(data, edge, 0xcbf29ce484222325ull);
    hash = fnv1a(data + size - edge, edge, hash);
    return "m" + std::to_string(reinterpret_cast<uintptr_t>(data)) + ":" + std::to_string(size) + ":" +
           std::to_string(hash);
}

std::string file_index_key(const char* path, uint64_t size, int64_t mtime_ns) {
    return "p" + std::to_string(size) + ":" + std::to_string(mtime_ns) + ":" + path;
}

}  // namespace parcrop
