#include "decode/probe.h"

#include <memory>
#include <string>

#include "decode/exif.h"
#include "decode/jpeg/jpeg_header.h"
#include "decode/png/png_chunks.h"
#include "decode/tiff/tiff_decoder.h"

namespace parcrop {
namespace {

void read_orientation(ByteSpan exif, ImageInfo* info) {
    if (exif.data == nullptr) return;
    bool malformed = false;
    const char* why = "";
    info->orientation = exif_orientation(exif.data, exif.size, &malformed, &why);
    info->exif_malformed = malformed;
    info->exif_problem = why;
}

Status probe_jpeg(ByteSpan head, const Limits& limits, ImageInfo* info, uint64_t* needed) {
    JpegHeader header;
    PARCROP_RETURN_IF_ERROR(read_jpeg_header(head, &header, needed));
    PARCROP_RETURN_IF_ERROR(check_dimensions(header.width, header.height, limits));
    info->width = header.width;
    info->height = header.height;
    info->channels = header.components == 1 ? 1 : 3;  // CMYK and YCCK decode to RGB
    info->progressive = header.progressive;
    info->restart_interval = header.restart_interval;
    read_orientation(header.exif, info);
    return Status::ok();
}

Status probe_png(ByteSpan head, const Limits& limits, ImageInfo* info) {
    PngChunkReader chunks(head);
    PngHeader header;
    PARCROP_RETURN_IF_ERROR(chunks.read_header(&header));
    PARCROP_RETURN_IF_ERROR(check_dimensions(header.width, header.height, limits));
    // The chunks up to the image data say whether tRNS adds alpha and where eXIf is.
    std::unique_ptr<PngColorInfo> color(new PngColorInfo);
    PARCROP_RETURN_IF_ERROR(chunks.read_color_info(header, color.get()));
    const bool transparency = color->has_transparent_color || color->has_palette_alpha;
    const bool gray = header.color_type == kPngGray || header.color_type == kPngGrayAlpha;
    info->has_alpha = transparency || header.color_type == kPngGrayAlpha || header.color_type == kPngTruecolorAlpha;
    info->channels = (gray ? 1 : 3) + (info->has_alpha ? 1 : 0);
    info->width = header.width;
    info->height = header.height;
    info->interlaced = header.interlaced;
    read_orientation(color->exif, info);
    return Status::ok();
}

Status probe_with_decoder(ByteSpan head, const Limits& limits, ImageInfo* info) {
    std::unique_ptr<Decoder> decoder;
    PARCROP_RETURN_IF_ERROR(make_decoder(head, limits, &decoder));
    ImageHeader header;
    PARCROP_RETURN_IF_ERROR(decoder->read_header(&header));
    ImageTraits traits;
    PARCROP_RETURN_IF_ERROR(decoder->describe(&traits));
    info->width = header.width;
    info->height = header.height;
    info->channels = traits.channels;
    info->has_alpha = traits.has_alpha;
    info->interlaced = traits.interlaced;
    return Status::ok();
}

}  // namespace

Status probe_tiff(const TiffInput& input, const Limits& limits, ImageInfo* info) {
    *info = ImageInfo{};
    return without_exceptions("probe", [&] {
        TiffImage image;
        Status status = parse_tiff(input, tiff_limits(limits), &image);
        if (!status.is_ok()) return status;
        const TiffLevel& base = image.levels.front();
        info->format = FileFormat::tiff;
        info->width = base.width;
        info->height = base.height;
        info->channels = base.samples;
        info->has_alpha = base.samples == 2 || base.samples == 4;
        info->tile_width = base.tile_width;
        info->tile_height = base.tile_height;
        info->compression = base.compression;
        info->microns_per_pixel_x = image.microns_per_pixel_x;
        info->microns_per_pixel_y = image.microns_per_pixel_y;
        for (const TiffLevel& level : image.levels) {
            info->levels.push_back({level.width, level.height, tiff_level_downsample(base, level)});
        }
        return Status::ok();
    });
}

Status probe_image(ByteSpan head, const Limits& limits, ImageInfo* info, uint64_t* needed) {
    *info = ImageInfo{};
    if (needed != nullptr) *needed = 0;
    if (head.data == nullptr || head.size == 0) return Status(PARCROP_E_EMPTY_INPUT, "input is empty");
    const FileFormat format = sniff_format(head);
    if (format == FileFormat::unknown) {
        return Status(PARCROP_E_UNKNOWN_FORMAT, "unknown format: the first bytes match no supported image format");
    }
    if (format == FileFormat::tiff) {
        // Directories lie anywhere in the file: a prefix that misses one is truncated.
        const MemoryTiffInput input(head);
        return probe_tiff(input, limits, info);
    }
    return without_exceptions("probe", [&] {
        Status status;
        if (format == FileFormat::jpeg) {
            status = probe_jpeg(head, limits, info, needed);
        } else if (format == FileFormat::png) {
            status = probe_png(head, limits, info);
        } else {
            status = probe_with_decoder(head, limits, info);
        }
        if (!status.is_ok()) {
            *info = ImageInfo{};
            return status;
        }
        info->format = format;
        info->levels.push_back({info->width, info->height, 1.0});
        return Status::ok();
    });
}

}  // namespace parcrop
