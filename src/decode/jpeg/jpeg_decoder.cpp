#include "decode/jpeg/jpeg_decoder.h"

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

// jpeglib.h needs FILE and size_t declared first; jerror.h needs jpeglib.h's
// configuration to declare the arithmetic-coding messages.
#include <jpeglib.h>
#include <jerror.h>

#include "common/pixel_convert.h"
#include "decode/jpeg/jpeg_restart.h"

namespace parcrop {
namespace {

// Progressive files can carry thousands of tiny scans that cost a pass over their
// blocks each; real encoders write at most a few dozen. A cheap scan (one end-of-band
// run for a whole component) costs a few bytes, so a small file can ask for hours of
// work: what bounds it is the blocks visited by all scans together. libjpeg-turbo's
// default progression visits every block about 5 times; 2^27 block visits are 16 such
// passes over a 178-megapixel 4:4:4 image (Pillow's pixel limit). Even empty scans cost
// about 12 ns a block visit, so this bounds a scan bomb to under 2 s.
constexpr int kMaxScans = 1000;
constexpr uint64_t kMaxBlockVisits = uint64_t{1} << 27;
// Beyond the coefficients (checked against max_decode_memory before the decode starts),
// libjpeg allocates rows and tables: a few MiB even for the widest images.
constexpr uint64_t kRowMemory = uint64_t{64} << 20;

// libjpeg reports errors through callbacks that must not return; the only way out
// of a C library is longjmp, so every libjpeg call runs inside setjmp in a function
// with no C++ objects that need destructors (see JpegDecoder::run_guarded).
struct ErrorManager {
    jpeg_error_mgr pub;
    std::jmp_buf jump;
    parcrop_status code;
    char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void fail(j_common_ptr cinfo, parcrop_status code) {
    auto* manager = reinterpret_cast<ErrorManager*>(cinfo->err);
    manager->code = code;
    (*cinfo->err->format_message)(cinfo, manager->message);
    std::longjmp(manager->jump, 1);
}

parcrop_status status_of_error(int msg_code) {
    switch (msg_code) {
        case JERR_BAD_PRECISION:
        case JERR_NOT_COMPILED:
        case JERR_NOTIMPL:
        case JERR_CONVERSION_NOTIMPL:
        case JERR_BAD_J_COLORSPACE:
        case JERR_IMAGE_TOO_BIG:  // libjpeg's 65500-pixel side, under JPEG's own 65535
            return PARCROP_E_UNSUPPORTED;
        case JERR_OUT_OF_MEMORY:
            return PARCROP_E_OUT_OF_MEMORY;
        case JERR_NO_BACKING_STORE:  // max_memory_to_use, which follows max_decode_memory
            return PARCROP_E_DECODE_MEMORY;
        case JERR_INPUT_EMPTY:
        case JERR_INPUT_EOF:
            return PARCROP_E_TRUNCATED;
        default:
            return PARCROP_E_CORRUPT;
    }
}

void on_error_exit(j_common_ptr cinfo) { fail(cinfo, status_of_error(cinfo->err->msg_code)); }

// Warnings that mean the pixels would be wrong are errors here: libjpeg would
// otherwise fill a truncated image with grey and call it a success.
void on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    switch (cinfo->err->msg_code) {
        case JWRN_JPEG_EOF:
            fail(cinfo, PARCROP_E_TRUNCATED);
        case JWRN_HIT_MARKER:
        case JWRN_HUFF_BAD_CODE:
        case JWRN_ARITH_BAD_CODE:
        case JWRN_MUST_RESYNC:
        case JWRN_BOGUS_PROGRESSION:
            fail(cinfo, PARCROP_E_CORRUPT);
        default:
            break;  // e.g. extraneous bytes before a marker: common and harmless
    }
}

// Counts the work of multi-scan files as libjpeg reads them (jpeg_start_decompress
// calls the monitor before each iMCU row of every scan).
struct ScanMonitor {
    jpeg_progress_mgr pub;
    int counted_scan = 0;
    uint64_t block_visits = 0;
};

// The blocks one scan visits: all of its component's blocks for a single-component
// scan, whole MCUs for an interleaved one.
uint64_t blocks_in_scan(j_decompress_ptr cinfo) {
    if (cinfo->comps_in_scan == 1) {
        const jpeg_component_info* component = cinfo->cur_comp_info[0];
        return uint64_t{component->width_in_blocks} * component->height_in_blocks;
    }
    return uint64_t{cinfo->MCUs_per_row} * cinfo->MCU_rows_in_scan * static_cast<uint64_t>(cinfo->blocks_in_MCU);
}

void on_progress(j_common_ptr cinfo) {
    auto* decompress = reinterpret_cast<j_decompress_ptr>(cinfo);
    auto* monitor = reinterpret_cast<ScanMonitor*>(cinfo->progress);
    auto* manager = reinterpret_cast<ErrorManager*>(cinfo->err);
    if (decompress->input_scan_number > kMaxScans) {
        manager->code = PARCROP_E_DECODE_WORK;
        std::snprintf(manager->message, sizeof manager->message,
                      "more than %d scans (a progressive-scan bomb?)", kMaxScans);
        std::longjmp(manager->jump, 1);
    }
    if (decompress->input_scan_number == monitor->counted_scan) return;
    monitor->counted_scan = decompress->input_scan_number;
    monitor->block_visits += blocks_in_scan(decompress);
    if (monitor->block_visits > kMaxBlockVisits) {
        manager->code = PARCROP_E_DECODE_WORK;
        std::snprintf(manager->message, sizeof manager->message,
                      "scan %d brings the blocks visited by all scans over %llu (a progressive-scan bomb?)",
                      decompress->input_scan_number, static_cast<unsigned long long>(kMaxBlockVisits));
        std::longjmp(manager->jump, 1);
    }
}

// What libjpeg keeps for a file it cannot decode row by row: every coefficient of
// every component, in whole MCUs (jdcoefct.c's virtual arrays).
uint64_t coefficient_bytes(j_decompress_ptr cinfo) {
    uint64_t bytes = 0;
    for (int c = 0; c < cinfo->num_components; ++c) {
        const jpeg_component_info& component = cinfo->comp_info[c];
        const uint64_t h = static_cast<uint64_t>(component.h_samp_factor);
        const uint64_t v = static_cast<uint64_t>(component.v_samp_factor);
        const uint64_t columns = (component.width_in_blocks + h - 1) / h * h;
        const uint64_t rows = (component.height_in_blocks + v - 1) / v * v;
        bytes += columns * rows * sizeof(JBLOCK);
    }
    return bytes;
}

// Adobe writes CMYK inverted (0 = full ink) and says so with its APP14 marker.
void cmyk_to_rgb(const uint8_t* cmyk, uint8_t* rgb, uint32_t width, bool inverted) {
    for (uint32_t i = 0; i < width; ++i, cmyk += 4, rgb += 3) {
        uint32_t c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        rgb[0] = static_cast<uint8_t>((c * k + 127) / 255);
        rgb[1] = static_cast<uint8_t>((m * k + 127) / 255);
        rgb[2] = static_cast<uint8_t>((y * k + 127) / 255);
    }
}

class JpegDecoder final : public Decoder {
public:
    JpegDecoder(ByteSpan data, const Limits& limits, const EmbeddedJpeg& embedding = EmbeddedJpeg{},
                std::shared_ptr<const JpegEntropyIndex> index = nullptr)
        : data_(data), limits_(limits), embedding_(embedding), index_(std::move(index)) {
        cinfo_.err = jpeg_std_error(&errors_.pub);
        errors_.pub.error_exit = on_error_exit;
        errors_.pub.emit_message = on_emit_message;
        errors_.code = PARCROP_OK;
        errors_.message[0] = '\0';
        progress_.pub.progress_monitor = on_progress;
    }

    ~JpegDecoder() override {
        if (created_) jpeg_destroy_decompress(&cinfo_);
    }

    Status read_header(ImageHeader* header) override {
        if (!run_guarded(&JpegDecoder::read_header_unguarded, nullptr, nullptr)) return error();
        PARCROP_RETURN_IF_ERROR(check_dimensions(cinfo_.image_width, cinfo_.image_height, limits_));
        header->width = cinfo_.image_width;
        header->height = cinfo_.image_height;
        header->format = ImageFormat::jpeg;
        header->max_scale_denom = 8;
        return Status::ok();
    }

    Status decode(const DecodeRequest& request, RowSink& sink) override {
        const uint32_t d = request.scale_denom;
        const bool known_scale = d == 1 || d == 2 || d == 4 || d == 8;
        if (!created_ || !known_scale ||
            !request_fits(request, scaled_size(cinfo_.image_width, d), scaled_size(cinfo_.image_height, d))) {
            return Status(PARCROP_E_INTERNAL, "jpeg: invalid decode request");
        }
        // Rows that the restart-interval path delivered before it gave up are not
        // delivered again: they came from intact intervals, so they are right.
        RowCounter counter(&sink);
        if (decode_by_restart_intervals(request, counter)) return Status::ok();
        if (counter.delivered() == request.rows->size()) return Status::ok();
        // Through the index, when it fits these bytes and the tables hold what it needs;
        // otherwise (no row delivered) the region path. Rows it delivered before failing
        // are right, as for restart intervals.
        if (index_ && counter.delivered() == 0 && !covers_most_of_image(request)) {
            const Status indexed = decode_region_through_index(data_, *index_, request, counter, limits_);
            if (indexed.is_ok() || counter.delivered() == request.rows->size()) return Status::ok();
        }
        DecodeRequest rest = request;
        const std::vector<uint32_t> remaining(request.rows->begin() + static_cast<long>(counter.delivered()),
                                              request.rows->end());
        rest.rows = &remaining;
        // libjpeg's rule for keeping every coefficient (jdinput.c, has_multiple_scans).
        if (cinfo_.progressive_mode || cinfo_.comps_in_scan < cinfo_.num_components) {
            PARCROP_RETURN_IF_ERROR(
                check_decode_memory(coefficient_bytes(&cinfo_), "jpeg: a multi-scan file's coefficients", limits_));
        }
        if (!run_guarded(&JpegDecoder::decode_unguarded, &rest, &sink)) return error();
        return Status::ok();
    }

private:
    using Step = void (JpegDecoder::*)(const DecodeRequest*, RowSink*);

    class RowCounter final : public RowSink {
    public:
        explicit RowCounter(RowSink* sink) : sink_(sink) {}
        void row(uint32_t y, const uint8_t* pixels) override {
            sink_->row(y, pixels);
            ++delivered_;
        }
        size_t delivered() const { return delivered_; }

    private:
        RowSink* sink_;
        size_t delivered_ = 0;
    };

    // Decodes the request from only the restart intervals that cover it, when the
    // file has usable restart markers and that saves work. False means "use the
    // region path" (for the rows not yet delivered).
    bool decode_by_restart_intervals(const DecodeRequest& request, RowSink& sink) {
        if (cinfo_.restart_interval == 0 || cinfo_.progressive_mode || cinfo_.arith_code) return false;
        // A sub-image is cut from this stream alone, which an embedded one's tables are not part of.
        if (embedding_.tables.size != 0 || embedding_.color != EmbeddedJpeg::Color::guess) return false;
        // A request for (nearly) the whole image saves nothing: skip the marker scan.
        if (covers_most_of_image(request)) return false;
        RestartIndex index;
        if (!index_restart_markers(data_, &index) || index.width != cinfo_.image_width ||
            index.height != cinfo_.image_height) {
            return false;
        }
        const PixelBox box = sub_image_box(request, index.width, index.height, index.mcu_width, index.mcu_height);
        SubImage sub;
        extract_sub_image(data_, index, box.x0, box.x1, box.y0, box.y1, &sub);
        if (sub.width == index.width && sub.height == index.height) return false;

        JpegDecoder inner(ByteSpan{sub.jpeg.data(), sub.jpeg.size()}, limits_);
        ImageHeader header;
        if (!inner.read_header(&header).is_ok()) return false;
        std::vector<uint32_t> rows;
        const DecodeRequest shifted = request_in_sub_image(request, sub, &rows);
        ShiftedSink shifted_sink(&sink, sub.y0 / request.scale_denom);
        // The sub-image has no restart markers worth indexing again: decode it directly.
        return inner.run_guarded(&JpegDecoder::decode_unguarded, &shifted, &shifted_sink);
    }

    // Random access (restart intervals, the entropy index) saves nothing on a region
    // of 90% of the image or more.
    bool covers_most_of_image(const DecodeRequest& request) const {
        const uint64_t d64 = request.scale_denom;
        const uint64_t area = (request.x1 - request.x0) * d64 * (request.rows->back() + 1 - request.rows->front()) * d64;
        return area * 10 >= uint64_t{cinfo_.image_width} * cinfo_.image_height * 9;
    }

    // The only place that calls setjmp. Nothing here owns a destructor, so a
    // longjmp out of libjpeg skips no C++ cleanup.
    bool run_guarded(Step step, const DecodeRequest* request, RowSink* sink) {
        if (setjmp(errors_.jump) != 0) {
            jpeg_abort_decompress(&cinfo_);
            return false;
        }
        (this->*step)(request, sink);
        return true;
    }

    Status error() const {
        return Status(errors_.code == PARCROP_OK ? PARCROP_E_CORRUPT : errors_.code,
                      std::string("jpeg: ") + errors_.message);
    }

    void read_header_unguarded(const DecodeRequest*, RowSink*) {
        jpeg_create_decompress(&cinfo_);
        created_ = true;
        cinfo_.progress = &progress_.pub;
        const uint64_t most = limits_.max_decode_memory + kRowMemory;
        cinfo_.mem->max_memory_to_use = static_cast<long>(std::min<uint64_t>(most, std::numeric_limits<long>::max()));
        if (embedding_.tables.size != 0) {
            // Tables persist in the decompressor across the abbreviated streams that follow.
            jpeg_mem_src(&cinfo_, embedding_.tables.data, static_cast<unsigned long>(embedding_.tables.size));
            jpeg_read_header(&cinfo_, FALSE);
        }
        jpeg_mem_src(&cinfo_, data_.data, static_cast<unsigned long>(data_.size));
        jpeg_read_header(&cinfo_, TRUE);
        if (cinfo_.num_components == 3 && embedding_.color == EmbeddedJpeg::Color::rgb) cinfo_.jpeg_color_space = JCS_RGB;
        if (cinfo_.num_components == 3 && embedding_.color == EmbeddedJpeg::Color::ycbcr) cinfo_.jpeg_color_space = JCS_YCbCr;
    }

    void choose_color_space(uint32_t channels) {
        const J_COLOR_SPACE source = cinfo_.jpeg_color_space;
        cmyk_ = source == JCS_CMYK || source == JCS_YCCK;
        if (cmyk_) {
            cinfo_.out_color_space = JCS_CMYK;
        } else if (channels == 1) {
            cinfo_.out_color_space = JCS_GRAYSCALE;
        } else if (channels == 3) {
            cinfo_.out_color_space = JCS_RGB;
        } else {
            cinfo_.out_color_space = JCS_EXT_RGBX;  // X is written as 0xFF: opaque alpha
        }
    }

    void decode_unguarded(const DecodeRequest* request, RowSink* sink) {
        const uint32_t channels = request->channels;
        choose_color_space(channels);
        cinfo_.scale_num = 1;
        cinfo_.scale_denom = request->scale_denom;
        cinfo_.dct_method = JDCT_ISLOW;
        // Fancy upsampling is the default and keeps libjpeg away from the merged
        // upsampler, which libjpeg-turbo 2.1 cannot combine with skipping rows.
        cinfo_.do_fancy_upsampling = TRUE;
        // Inter-block smoothing (progressive files whose later scans are missing) reads
        // neighbouring blocks and treats the edges of a cropped scanline as image edges,
        // so a region would differ from the same region of a full decode. Off, as for
        // every complete file, where libjpeg never smooths.
        cinfo_.do_block_smoothing = FALSE;
        jpeg_start_decompress(&cinfo_);

        if (request->x1 > cinfo_.output_width || request->rows->back() >= cinfo_.output_height) {
            errors_.code = PARCROP_E_INTERNAL;
            std::snprintf(errors_.message, sizeof errors_.message, "region outside the %ux%u image",
                          cinfo_.output_width, cinfo_.output_height);
            std::longjmp(errors_.jump, 1);
        }
        // Fancy upsampling of subsampled chroma reads one chroma sample beyond each
        // side, and libjpeg treats the edges of a cropped scanline as image edges. One
        // extra iMCU on each side keeps the columns we deliver identical to a full decode.
        const uint32_t imcu_width = static_cast<uint32_t>(cinfo_.max_h_samp_factor * cinfo_.min_DCT_scaled_size);
        const uint32_t margin = cinfo_.max_h_samp_factor > 1 ? imcu_width : 0;
        JDIMENSION first_column = request->x0 > margin ? request->x0 - margin : 0;
        JDIMENSION width = std::min(request->x1 + margin, cinfo_.output_width) - first_column;
        if (width < cinfo_.output_width) jpeg_crop_scanline(&cinfo_, &first_column, &width);
        // jpeg_crop_scanline widened the region to whole iMCUs; trim the extra columns.
        const uint32_t trim = request->x0 - first_column;
        const uint32_t region_width = request->x1 - request->x0;

        const uint32_t components = static_cast<uint32_t>(cinfo_.output_components);
        JSAMPARRAY row = (*cinfo_.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&cinfo_),
                                                      JPOOL_IMAGE, width * components, 1);
        JSAMPARRAY converted = nullptr;
        if (cmyk_) {
            converted = (*cinfo_.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&cinfo_),
                                                    JPOOL_IMAGE, region_width * 4, 2);
        }
        const uint32_t imcu_height = static_cast<uint32_t>(cinfo_.max_v_samp_factor * cinfo_.min_DCT_scaled_size);
        for (const uint32_t y : *request->rows) {
            skip_to(y, imcu_height, row);
            jpeg_read_scanlines(&cinfo_, row, 1);
            const uint8_t* pixels = row[0] + size_t{trim} * components;
            if (cmyk_) {
                cmyk_to_rgb(pixels, converted[0], region_width, cinfo_.saw_Adobe_marker);
                convert_row(converted[0], 3, converted[1], channels, region_width);
                pixels = converted[1];
            }
            sink->row(y, pixels);
        }
        // Stop here: the rows below the region are never decoded.
        jpeg_abort_decompress(&cinfo_);
    }

    // libjpeg-turbo 2.1's jpeg_skip_scanlines gives wrong pixels when a skip starts
    // or ends inside an iMCU row of a vertically subsampled image, so only whole iMCU
    // rows are skipped; the rows around them are read and dropped.
    void skip_to(uint32_t y, uint32_t imcu_height, JSAMPARRAY scratch) {
        const uint32_t aligned = y / imcu_height * imcu_height;
        if (aligned > cinfo_.output_scanline) {
            while (cinfo_.output_scanline % imcu_height != 0) jpeg_read_scanlines(&cinfo_, scratch, 1);
            if (aligned > cinfo_.output_scanline) jpeg_skip_scanlines(&cinfo_, aligned - cinfo_.output_scanline);
        }
        while (cinfo_.output_scanline < y) jpeg_read_scanlines(&cinfo_, scratch, 1);
    }

    ByteSpan data_;
    Limits limits_;
    EmbeddedJpeg embedding_;
    std::shared_ptr<const JpegEntropyIndex> index_;
    jpeg_decompress_struct cinfo_{};
    ErrorManager errors_{};
    ScanMonitor progress_{};
    bool created_ = false;
    bool cmyk_ = false;
};

}  // namespace

std::unique_ptr<Decoder> make_jpeg_decoder(ByteSpan data, const Limits& limits) {
    return std::make_unique<JpegDecoder>(data, limits);
}

std::unique_ptr<Decoder> make_indexed_jpeg_decoder(ByteSpan data, std::shared_ptr<const JpegEntropyIndex> index,
                                                   const Limits& limits) {
    return std::make_unique<JpegDecoder>(data, limits, EmbeddedJpeg{}, std::move(index));
}

std::unique_ptr<Decoder> make_embedded_jpeg_decoder(ByteSpan data, const EmbeddedJpeg& embedding,
                                                    const Limits& limits) {
    return std::make_unique<JpegDecoder>(data, limits, embedding);
}

}  // namespace parcrop
