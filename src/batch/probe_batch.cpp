#include "batch/probe_batch.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include "batch/file_reader.h"
#include "batch/parallel_for.h"
#include "decode/exif.h"
#include "decode/tiff/tiff_directory.h"

namespace parcrop {
namespace {

class FileByteReader final : public ByteReader {
public:
    explicit FileByteReader(RandomAccessFile& file) : file_(file) {}
    uint64_t size() const override { return file_.size(); }
    Status read_at(uint64_t offset, size_t count, uint8_t* out, size_t* got) override {
        return file_.read_at(offset, count, out, got);
    }

private:
    RandomAccessFile& file_;
};

class ByteReaderTiffInput final : public TiffInput {
public:
    explicit ByteReaderTiffInput(ByteReader& reader) : reader_(reader) {}
    uint64_t size() const override { return reader_.size(); }
    Status read_exact(uint64_t offset, size_t count, uint8_t* out) const override {
        size_t got = 0;
        PARCROP_RETURN_IF_ERROR(reader_.read_at(offset, count, out, &got));
        if (got != count) {
            return Status(PARCROP_E_TRUNCATED, "tiff: " + std::to_string(count) + " bytes at offset " +
                                                   std::to_string(offset) + " reach past the end of the file");
        }
        return Status::ok();
    }

private:
    ByteReader& reader_;
};

parcrop_format public_format(FileFormat format) {
    switch (format) {
        case FileFormat::jpeg: return PARCROP_FORMAT_JPEG;
        case FileFormat::png: return PARCROP_FORMAT_PNG;
        case FileFormat::bmp: return PARCROP_FORMAT_BMP;
        case FileFormat::gif: return PARCROP_FORMAT_GIF;
        case FileFormat::tga: return PARCROP_FORMAT_TGA;
        case FileFormat::hdr: return PARCROP_FORMAT_HDR;
        case FileFormat::psd: return PARCROP_FORMAT_PSD;
        case FileFormat::pnm: return PARCROP_FORMAT_PNM;
        case FileFormat::webp: return PARCROP_FORMAT_WEBP;
        case FileFormat::tiff: return PARCROP_FORMAT_TIFF;
        case FileFormat::unknown: break;
    }
    return PARCROP_FORMAT_UNKNOWN;
}

Status memory_limits(const parcrop_source& source, const Limits& limits) {
    if (source.size == 0) return Status(PARCROP_E_EMPTY_INPUT, "input is empty");
    if (source.size > limits.max_file_size) {
        return Status(PARCROP_E_FILE_TOO_LARGE, "input has " + std::to_string(source.size) +
                                                    " bytes, over the limit of " +
                                                    std::to_string(limits.max_file_size));
    }
    return Status::ok();
}

}  // namespace

Status probe_reader(ByteReader& reader, const Limits& limits, std::vector<uint8_t>* buffer, ImageInfo* info) {
    const uint64_t total = reader.size();
    buffer->clear();
    size_t want = static_cast<size_t>(std::min<uint64_t>(total, kProbeFirstRead));
    bool at_end = false;
    for (;;) {
        const size_t have = buffer->size();
        if (want > have) {
            buffer->resize(want);
            size_t got = 0;
            const Status read = reader.read_at(have, want - have, buffer->data() + have, &got);
            buffer->resize(have + got);
            if (!read.is_ok()) return read;
            at_end = got < want - have;
        }
        if (buffer->empty()) return Status(PARCROP_E_EMPTY_INPUT, "file is empty");
        if (have == 0 && tiff_recognizes(ByteSpan{buffer->data(), buffer->size()})) {
            // Directories lie anywhere in a TIFF: read them where they are.
            const ByteReaderTiffInput input(reader);
            return probe_tiff(input, limits, info);
        }
        if (have == 0 && total > limits.max_file_size) {
            return Status(PARCROP_E_FILE_TOO_LARGE, "file has " + std::to_string(total) +
                                                        " bytes, over the limit of " +
                                                        std::to_string(limits.max_file_size));
        }
        at_end = at_end || buffer->size() >= total;
        uint64_t needed = 0;
        const Status status = probe_image(ByteSpan{buffer->data(), buffer->size()}, limits, info, &needed);
        if (status.code() != PARCROP_E_TRUNCATED || at_end) return status;
        if (buffer->size() >= kProbeMaxRead) {
            return Status(PARCROP_E_UNSUPPORTED, "probe: the headers run past the first " +
                                                     std::to_string(kProbeMaxRead >> 20) + " MiB of the file");
        }
        // At least double, so that a header of n bytes costs O(log n) parses; and when
        // the parser knows where it must go on (a JPEG's next marker), that far and a
        // first read's worth beyond, for the segments after it.
        const uint64_t grown = std::max<uint64_t>(needed + kProbeFirstRead, uint64_t{buffer->size()} * 2);
        want = static_cast<size_t>(std::min<uint64_t>({grown, kProbeMaxRead, total}));
        if (want <= buffer->size()) return status;
    }
}

Status probe_source(const parcrop_source& source, const Limits& limits, std::vector<uint8_t>* buffer,
                    ImageInfo* info, uint64_t* bytes_read) {
    if (bytes_read != nullptr) *bytes_read = 0;
    *info = ImageInfo{};
    if (source.data != nullptr) {
        // Tiled formats have limits of their own (as crops do), not max_file_size.
        if (!tiff_recognizes(ByteSpan{source.data, source.size})) PARCROP_RETURN_IF_ERROR(memory_limits(source, limits));
        // Parsers stop where the pixel data begins, so only the headers are touched.
        return probe_image(ByteSpan{source.data, source.size}, limits, info, nullptr);
    }
    if (source.path == nullptr) return Status(PARCROP_E_INVALID_SOURCE, "source has neither path nor data");
    RandomAccessFile file;
    // A TIFF's size is not limited (slides are gigabytes); probe_reader checks the others'.
    Status status = file.open(source.path, UINT64_MAX);
    if (status.is_ok()) {
        FileByteReader reader(file);
        status = probe_reader(reader, limits, buffer, info);
    }
    if (bytes_read != nullptr) *bytes_read = file.bytes_read();
    return status;
}

void fill_image_info(const ImageInfo& info, bool ok, parcrop_image_info* out) {
    parcrop_image_info result{};
    result.struct_size = sizeof(parcrop_image_info);
    if (ok) {
        result.width = info.width;
        result.height = info.height;
        result.channels = info.channels;
        result.format = public_format(info.format);
        result.exif_orientation = info.orientation;
        const bool swap = orientation_swaps_sides(info.orientation);
        result.display_width = swap ? info.height : info.width;
        result.display_height = swap ? info.width : info.height;
        result.flags = (info.progressive ? PARCROP_INFO_PROGRESSIVE : 0u) |
                       (info.interlaced ? PARCROP_INFO_INTERLACED : 0u) |
                       (info.has_alpha ? PARCROP_INFO_HAS_ALPHA : 0u) |
                       (info.exif_malformed ? PARCROP_INFO_EXIF_MALFORMED : 0u);
        result.restart_interval = info.restart_interval;
        result.level_count = static_cast<uint32_t>(std::min<size_t>(info.levels.size(), PARCROP_MAX_LEVELS));
        for (uint32_t l = 0; l < result.level_count; ++l) {
            result.levels[l] = parcrop_level{info.levels[l].width, info.levels[l].height, info.levels[l].downsample};
        }
        result.tile_width = info.tile_width;
        result.tile_height = info.tile_height;
        result.compression = info.compression;
        result.microns_per_pixel_x = info.microns_per_pixel_x;
        result.microns_per_pixel_y = info.microns_per_pixel_y;
    }
    *out = result;
}

void run_probe_batch(const parcrop_source* sources, size_t count, const Limits& limits, int num_threads,
                     parcrop_image_info* out, size_t info_size, std::vector<ItemResult>* results) {
    results->assign(count, ItemResult{});
    const size_t threads = static_cast<size_t>(std::max(num_threads, 1));
    const int workers = static_cast<int>(std::min(threads, count));  // count >= 1, threads <= 1024
    std::vector<std::vector<uint8_t>> buffers(static_cast<size_t>(workers));
    parallel_for(static_cast<long>(count), workers, [&](long index, int worker) {
        const size_t i = static_cast<size_t>(index);
        ItemResult& result = (*results)[i];
        ImageInfo info;
        Status status;
        try {
            status = probe_source(sources[i], limits, &buffers[static_cast<size_t>(worker)], &info);
            if (status.is_ok() && info.exif_malformed) {
                result.message = std::string("exif: ") + info.exif_problem + "; orientation taken as 1";
            }
        } catch (const std::bad_alloc&) {
            status = Status(PARCROP_E_OUT_OF_MEMORY, "out of memory");
        } catch (const std::exception& e) {
            status = Status(PARCROP_E_INTERNAL, e.what());
        }
        parcrop_image_info filled;
        fill_image_info(info, status.is_ok(), &filled);
        // A caller's struct of an earlier release: its fields, at its stride.
        filled.struct_size = info_size;
        std::memcpy(reinterpret_cast<uint8_t*>(out) + i * info_size, &filled, info_size);
        result.status = status.code();
        if (!status.is_ok()) {
            try {
                result.message = status.message();
            } catch (...) {
                result.message.clear();
            }
        }
    });
}

}  // namespace parcrop
