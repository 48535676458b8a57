#include "jpeg_rewrite.h"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

// jpeglib.h needs FILE and size_t declared first; jerror.h needs jpeglib.h's
// configuration to declare the arithmetic-coding messages.
#include <jpeglib.h>
#include <jerror.h>

namespace parcrop_prepare {
namespace {

// Progressive files can carry thousands of tiny scans that cost a full pass each.
constexpr int kMaxScans = 1000;
// Per libjpeg object; progressive input keeps every coefficient of the image in memory.
constexpr long kMaxMemory = 2L << 30;

// libjpeg reports errors through callbacks that must not return. Each operation below
// has one function that calls setjmp ("run_*_guarded"); its frame and everything it
// calls between setjmp and return hold only C structs and raw pointers, so longjmp
// skips no destructor. The C++ wrappers around them never see a longjmp.
struct Guard {
    jpeg_error_mgr pub;  // first member: libjpeg's err pointer is cast back to Guard
    std::jmp_buf jump;
    JpegError code;
    char message[JMSG_LENGTH_MAX];
    const std::atomic<bool>* cancel;
};

Guard* guard_of(j_common_ptr cinfo) { return reinterpret_cast<Guard*>(cinfo->err); }

[[noreturn]] void fail(j_common_ptr cinfo, JpegError code) {
    Guard* guard = guard_of(cinfo);
    guard->code = code;
    (*cinfo->err->format_message)(cinfo, guard->message);
    std::longjmp(guard->jump, 1);
}

[[noreturn]] void fail_with(Guard* guard, JpegError code, const char* message) {
    guard->code = code;
    std::snprintf(guard->message, sizeof guard->message, "%s", message);
    std::longjmp(guard->jump, 1);
}

JpegError classify(int msg_code) {
    switch (msg_code) {
        case JERR_BAD_PRECISION:
        case JERR_SOF_UNSUPPORTED:
        case JERR_NOT_COMPILED:
        case JERR_NOTIMPL:
        case JERR_ARITH_NOTIMPL:
        case JERR_CCIR601_NOTIMPL:
        case JERR_CONVERSION_NOTIMPL:
        case JERR_COMPONENT_COUNT:
            return JpegError::unsupported;
        case JERR_OUT_OF_MEMORY:
        case JERR_NO_BACKING_STORE:
            return JpegError::no_memory;
        case JERR_INPUT_EMPTY:
        case JERR_INPUT_EOF:
            return JpegError::truncated;
        default:
            return JpegError::corrupt;
    }
}

void on_error_exit(j_common_ptr cinfo) { fail(cinfo, classify(cinfo->err->msg_code)); }

// A warning that means the pixels would be wrong (libjpeg would fill the damage with
// grey and go on) is an error: a damaged file is never rewritten. The few harmless
// warnings are let through.
void on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;  // trace messages
    switch (cinfo->err->msg_code) {
        case JWRN_EXTRANEOUS_DATA:  // stray bytes before a marker; not part of any scan
        case JWRN_ADOBE_XFORM:
        case JWRN_JFIF_MAJOR:
        case JWRN_BOGUS_ICC:
            return;
        case JWRN_JPEG_EOF:
            fail(cinfo, JpegError::truncated);
        default:
            fail(cinfo, JpegError::corrupt);
    }
}

void on_progress(j_common_ptr cinfo) {
    Guard* guard = guard_of(cinfo);
    if (guard->cancel != nullptr && guard->cancel->load(std::memory_order_relaxed)) {
        fail_with(guard, JpegError::interrupted, "interrupted");
    }
    if (cinfo->is_decompressor &&
        reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number > kMaxScans) {
        fail_with(guard, JpegError::unsupported, "more than 1000 scans (a progressive-scan bomb?)");
    }
}

void init_guard(Guard* guard, const std::atomic<bool>* cancel) {
    jpeg_std_error(&guard->pub);
    guard->pub.error_exit = on_error_exit;
    guard->pub.emit_message = on_emit_message;
    guard->code = JpegError::ok;
    guard->message[0] = '\0';
    guard->cancel = cancel;
}

JpegStatus status_of(const Guard& guard) {
    JpegStatus status;
    status.code = guard.code == JpegError::ok ? JpegError::corrupt : guard.code;
    std::snprintf(status.message, sizeof status.message, "%s", guard.message);
    return status;
}

void setup_decompress(jpeg_decompress_struct* cinfo, Guard* guard, jpeg_progress_mgr* progress,
                      const uint8_t* data, size_t size) {
    cinfo->err = &guard->pub;
    jpeg_create_decompress(cinfo);
    progress->progress_monitor = on_progress;
    cinfo->progress = progress;
    cinfo->mem->max_memory_to_use = kMaxMemory;
    jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
}

// ----- inspect -----

struct InspectJob {
    Guard guard;
    jpeg_decompress_struct cinfo;
    jpeg_progress_mgr progress;
    bool created;
    const uint8_t* data;
    size_t size;
    JpegInfo* info;
};

bool run_inspect_guarded(InspectJob* job) {
    if (setjmp(job->guard.jump) != 0) {
        if (job->created) jpeg_destroy_decompress(&job->cinfo);
        return false;
    }
    job->created = true;  // jpeg_create_decompress cannot fail after it allocates
    setup_decompress(&job->cinfo, &job->guard, &job->progress, job->data, job->size);
    jpeg_read_header(&job->cinfo, TRUE);
    const jpeg_decompress_struct& c = job->cinfo;
    JpegInfo* info = job->info;
    info->width = c.image_width;
    info->height = c.image_height;
    info->components = c.num_components;
    info->precision = c.data_precision;
    info->progressive = c.progressive_mode != FALSE;
    info->arithmetic = c.arith_code != FALSE;
    info->comps_in_first_scan = c.comps_in_scan;
    info->restart_interval = c.restart_interval;
    info->mcu_width = c.num_components == 1 ? DCTSIZE : static_cast<uint32_t>(DCTSIZE * c.max_h_samp_factor);
    info->mcus_per_row = info->mcu_width == 0 ? 0 : (c.image_width + info->mcu_width - 1) / info->mcu_width;
    jpeg_destroy_decompress(&job->cinfo);
    return true;
}

// ----- rewrite -----

// A growable malloc'd output buffer. libjpeg's jpeg_mem_dest frees its buffers when it
// grows them but not when an error aborts the write, so the owner of the bytes is this
// struct, and the C++ wrapper frees or hands them over after the guarded function.
struct MemoryDestination {
    jpeg_destination_mgr pub;  // first member
    unsigned char* buffer;
    size_t capacity;
    size_t size;
};

MemoryDestination* destination_of(j_compress_ptr cinfo) {
    return reinterpret_cast<MemoryDestination*>(cinfo->dest);
}

void grow_destination(j_compress_ptr cinfo, size_t capacity) {
    MemoryDestination* dest = destination_of(cinfo);
    auto* bigger = static_cast<unsigned char*>(std::realloc(dest->buffer, capacity));
    if (bigger == nullptr) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 10);
    dest->buffer = bigger;
    dest->pub.next_output_byte = bigger + dest->size;
    dest->pub.free_in_buffer = capacity - dest->size;
    dest->capacity = capacity;
}

void init_destination(j_compress_ptr cinfo) {
    destination_of(cinfo)->size = 0;
    grow_destination(cinfo, 1 << 16);
}

boolean empty_output_buffer(j_compress_ptr cinfo) {
    MemoryDestination* dest = destination_of(cinfo);
    dest->size = dest->capacity;  // libjpeg only calls this when the buffer is full
    grow_destination(cinfo, dest->capacity * 2);
    return TRUE;
}

void term_destination(j_compress_ptr cinfo) {
    MemoryDestination* dest = destination_of(cinfo);
    dest->size = dest->capacity - dest->pub.free_in_buffer;
}

struct RewriteJob {
    Guard guard;
    jpeg_decompress_struct src;
    jpeg_compress_struct dst;
    jpeg_progress_mgr src_progress;
    jpeg_progress_mgr dst_progress;
    MemoryDestination destination;
    bool src_created;
    bool dst_created;
    const uint8_t* data;
    size_t size;
    uint32_t restart_interval;
    RewriteOutput* out;
};

bool run_rewrite_guarded(RewriteJob* job) {
    if (setjmp(job->guard.jump) != 0) {
        if (job->dst_created) jpeg_destroy_compress(&job->dst);
        if (job->src_created) jpeg_destroy_decompress(&job->src);
        return false;
    }
    job->src_created = true;
    setup_decompress(&job->src, &job->guard, &job->src_progress, job->data, job->size);
    jpeg_save_markers(&job->src, JPEG_COM, 0xFFFF);
    for (int m = 0; m < 16; ++m) jpeg_save_markers(&job->src, JPEG_APP0 + m, 0xFFFF);
    jpeg_read_header(&job->src, TRUE);
    jvirt_barray_ptr* coefficients = jpeg_read_coefficients(&job->src);

    job->dst.err = &job->guard.pub;
    job->dst_created = true;
    jpeg_create_compress(&job->dst);
    job->dst_progress.progress_monitor = on_progress;
    job->dst.progress = &job->dst_progress;
    job->dst.mem->max_memory_to_use = kMaxMemory;
    // Same components, sampling and quantization tables; sequential by default.
    jpeg_copy_critical_parameters(&job->src, &job->dst);
    job->dst.restart_interval = job->restart_interval;
    job->dst.restart_in_rows = 0;
    job->dst.optimize_coding = TRUE;
    job->dst.arith_code = FALSE;
    // The input's own APP0 (JFIF) and APP14 (Adobe) markers are copied below, verbatim
    // and in their order; letting libjpeg write its own would duplicate or alter them.
    job->dst.write_JFIF_header = FALSE;
    job->dst.write_Adobe_marker = FALSE;
    job->destination.pub.init_destination = init_destination;
    job->destination.pub.empty_output_buffer = empty_output_buffer;
    job->destination.pub.term_destination = term_destination;
    job->dst.dest = &job->destination.pub;
    jpeg_write_coefficients(&job->dst, coefficients);
    for (jpeg_saved_marker_ptr marker = job->src.marker_list; marker != nullptr; marker = marker->next) {
        jpeg_write_marker(&job->dst, marker->marker, marker->data, marker->data_length);
    }
    jpeg_finish_compress(&job->dst);
    jpeg_finish_decompress(&job->src);  // reads up to EOI; what follows is reported

    const size_t remaining = job->src.src->bytes_in_buffer;
    const JOCTET* rest = job->src.src->next_input_byte;
    job->out->trailing_bytes = remaining;
    job->out->trailing_is_padding = true;
    for (size_t i = 0; i < remaining; ++i) {
        if (rest[i] != 0x00 && rest[i] != 0xFF) {
            job->out->trailing_is_padding = false;
            break;
        }
    }
    jpeg_destroy_compress(&job->dst);
    job->dst_created = false;
    jpeg_destroy_decompress(&job->src);
    job->src_created = false;
    return true;
}

// ----- compare -----

struct CompareJob {
    Guard guard;
    jpeg_decompress_struct a;
    jpeg_decompress_struct b;
    jpeg_progress_mgr a_progress;
    jpeg_progress_mgr b_progress;
    bool a_created;
    bool b_created;
    const uint8_t* a_data;
    size_t a_size;
    const uint8_t* b_data;
    size_t b_size;
};

void start_full_decode(jpeg_decompress_struct* cinfo) {
    jpeg_read_header(cinfo, TRUE);
    cinfo->dct_method = JDCT_ISLOW;
    jpeg_start_decompress(cinfo);
}

bool run_compare_guarded(CompareJob* job) {
    if (setjmp(job->guard.jump) != 0) {
        if (job->b_created) jpeg_destroy_decompress(&job->b);
        if (job->a_created) jpeg_destroy_decompress(&job->a);
        return false;
    }
    job->a_created = true;
    setup_decompress(&job->a, &job->guard, &job->a_progress, job->a_data, job->a_size);
    job->b_created = true;
    setup_decompress(&job->b, &job->guard, &job->b_progress, job->b_data, job->b_size);
    start_full_decode(&job->a);
    start_full_decode(&job->b);
    if (job->a.output_width != job->b.output_width || job->a.output_height != job->b.output_height ||
        job->a.output_components != job->b.output_components) {
        char message[160];
        std::snprintf(message, sizeof message, "decoded geometry differs: %ux%ux%d vs %ux%ux%d",
                      job->a.output_width, job->a.output_height, job->a.output_components,
                      job->b.output_width, job->b.output_height, job->b.output_components);
        fail_with(&job->guard, JpegError::mismatch, message);
    }
    const JDIMENSION row_bytes = job->a.output_width * static_cast<JDIMENSION>(job->a.output_components);
    JSAMPARRAY row_a = (*job->a.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&job->a), JPOOL_IMAGE, row_bytes, 1);
    JSAMPARRAY row_b = (*job->b.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&job->b), JPOOL_IMAGE, row_bytes, 1);
    while (job->a.output_scanline < job->a.output_height) {
        const JDIMENSION y = job->a.output_scanline;
        jpeg_read_scanlines(&job->a, row_a, 1);
        jpeg_read_scanlines(&job->b, row_b, 1);
        if (std::memcmp(row_a[0], row_b[0], row_bytes) != 0) {
            char message[80];
            std::snprintf(message, sizeof message, "pixels differ in row %u", y);
            fail_with(&job->guard, JpegError::mismatch, message);
        }
    }
    jpeg_finish_decompress(&job->a);
    jpeg_finish_decompress(&job->b);
    jpeg_destroy_decompress(&job->b);
    job->b_created = false;
    jpeg_destroy_decompress(&job->a);
    job->a_created = false;
    return true;
}

}  // namespace

JpegStatus inspect_jpeg(const uint8_t* data, size_t size, JpegInfo* info) {
    InspectJob job{};
    init_guard(&job.guard, nullptr);
    job.data = data;
    job.size = size;
    job.info = info;
    if (!run_inspect_guarded(&job)) return status_of(job.guard);
    return JpegStatus{};
}

JpegStatus rewrite_jpeg(const uint8_t* data, size_t size, uint32_t restart_interval,
                        const std::atomic<bool>* cancel, RewriteOutput* out) {
    *out = RewriteOutput{};
    if (restart_interval > 65535) {
        JpegStatus status;
        status.code = JpegError::unsupported;
        std::snprintf(status.message, sizeof status.message, "restart interval %u is over 65535 MCUs",
                      restart_interval);
        return status;
    }
    RewriteJob job{};
    init_guard(&job.guard, cancel);
    job.data = data;
    job.size = size;
    job.restart_interval = restart_interval;
    job.out = out;
    if (!run_rewrite_guarded(&job)) {
        std::free(job.destination.buffer);
        *out = RewriteOutput{};
        return status_of(job.guard);
    }
    out->data = job.destination.buffer;
    out->size = static_cast<unsigned long>(job.destination.size);
    return JpegStatus{};
}

JpegStatus compare_jpeg_pixels(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size,
                               const std::atomic<bool>* cancel) {
    CompareJob job{};
    init_guard(&job.guard, cancel);
    job.a_data = a;
    job.a_size = a_size;
    job.b_data = b;
    job.b_size = b_size;
    if (!run_compare_guarded(&job)) return status_of(job.guard);
    return JpegStatus{};
}

}  // namespace parcrop_prepare
