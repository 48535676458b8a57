// parcrop_probe's engine: each item's headers read and parsed in parallel (parallel_for),
// from a prefix of its file that grows only while the headers need it. A file is never
// read whole: the first read is kProbeFirstRead bytes, and only a header that runs past
// it (a JPEG with large APPn segments, a PNG with large text chunks before IDAT, a GIF
// with long extensions) makes the prefix grow, at least twofold, up to kProbeMaxRead; a
// header longer than that fails as unsupported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "batch/batch.h"
#include "common/limits.h"
#include "decode/probe.h"
#include "parcrop.h"

namespace parcrop {

constexpr size_t kProbeFirstRead = size_t{64} << 10;
constexpr size_t kProbeMaxRead = size_t{16} << 20;

// Random access to an input's bytes, so that tests can count what a probe reads.
class ByteReader {
public:
    virtual ~ByteReader() = default;
    virtual uint64_t size() const = 0;
    // Up to `count` bytes at `offset`; *got < count only at the end of the input.
    virtual Status read_at(uint64_t offset, size_t count, uint8_t* out, size_t* got) = 0;
};

// Probes the input behind `reader`, holding its prefix in `buffer` (reused by a worker).
Status probe_reader(ByteReader& reader, const Limits& limits, std::vector<uint8_t>* buffer, ImageInfo* info);

// One source: memory is probed where it lies, a path through pread. *bytes_read (if not
// null) receives how many bytes of the file were read (0 for memory).
Status probe_source(const parcrop_source& source, const Limits& limits, std::vector<uint8_t>* buffer,
                    ImageInfo* info, uint64_t* bytes_read = nullptr);

// The public struct of an item: every field, struct_size included; a failed item is
// zero but for struct_size.
void fill_image_info(const ImageInfo& info, bool ok, parcrop_image_info* out);

// Probes count sources on num_threads workers into out (count structs of info_size
// bytes: the caller's release's parcrop_image_info, a prefix of this one's) and results
// (count entries; an OK item's message notes malformed EXIF). Never throws.
void run_probe_batch(const parcrop_source* sources, size_t count, const Limits& limits, int num_threads,
                     parcrop_image_info* out, size_t info_size, std::vector<ItemResult>* results);

}  // namespace parcrop
