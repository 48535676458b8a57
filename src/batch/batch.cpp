#include "batch/batch.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <unordered_map>

#include "batch/file_reader.h"
#include "batch/orientation.h"
#include "batch/parallel_for.h"
#include "decode/decoder.h"

namespace parcrop {
namespace {

// What the decoder's rows go to for one item: the plain writer, or the transposed one
// when an EXIF orientation turns stored rows into output columns.
class Writer {
public:
    virtual ~Writer() = default;
    virtual void row(uint32_t y, const uint8_t* group_row) = 0;
    virtual void finish() = 0;
};

// One item's output slot, filled from the rows its source's decoder delivers. Where the
// region reaches outside the image (padding), the rows and columns there are the fill,
// resampled like image pixels so that the edge blends as Pillow's would.
class ItemWriter final : public Writer {
public:
    ItemWriter(const CropPlan& plan, const OutputShape& shape, uint8_t* slot, uint32_t group_x0, const uint8_t* fill)
        : plan_(plan), shape_(shape), slot_(slot), group_x0_(group_x0),
          row_bytes_(size_t{shape.width} * shape.channels) {
        const uint32_t channels = shape.channels;
        if (plan.padded()) {
            padded_row_.resize(size_t{plan.region_width} * channels);
            for (size_t i = 0; i < padded_row_.size(); i += channels) std::memcpy(&padded_row_[i], fill, channels);
        }
        if (plan.filter == Filter::nearest) {
            if (plan.padded()) fill_nearest_rows_outside(fill);
            return;
        }
        first_row_ = plan.taps_y.first.front();
        const uint32_t last_row = plan.taps_y.first.back() + plan.taps_y.count.back();
        intermediate_.resize(size_t{last_row - first_row_} * row_bytes_);
        if (!plan.padded()) return;
        // padded_row_ holds only the fill until the first image row arrives.
        std::vector<uint8_t> fill_row(row_bytes_);
        resample_row(padded_row_.data(), channels, plan.taps_x, fill_row.data());
        for (uint32_t r = first_row_; r < last_row; ++r) {
            if (!inside(r)) std::memcpy(intermediate_.data() + size_t{r - first_row_} * row_bytes_, fill_row.data(), row_bytes_);
        }
    }

    void row(uint32_t y, const uint8_t* group_row) override {
        if (y < plan_.y0 || y >= plan_.y1 || plan_.x0 == plan_.x1) return;
        const uint32_t r = static_cast<uint32_t>(int64_t{y} - plan_.region_y0);
        const uint32_t channels = shape_.channels;
        const uint8_t* pixels = group_row + size_t{plan_.x0 - group_x0_} * channels;
        if (!padded_row_.empty()) {
            std::memcpy(padded_row_.data() + static_cast<size_t>(plan_.x0 - plan_.region_x0) * channels, pixels,
                        size_t{plan_.x1 - plan_.x0} * channels);
            pixels = padded_row_.data();
        }
        if (plan_.filter == Filter::nearest) {
            write_nearest(r, pixels);
        } else if (r >= first_row_ && size_t{r - first_row_} * row_bytes_ < intermediate_.size()) {
            resample_row(pixels, channels, plan_.taps_x, intermediate_.data() + size_t{r - first_row_} * row_bytes_);
        }
    }

    // The vertical pass, once every row has arrived.
    void finish() override {
        if (plan_.filter == Filter::nearest) return;
        std::vector<const uint8_t*> rows(plan_.taps_y.max_count);
        for (uint32_t o = 0; o < shape_.height; ++o) {
            for (uint32_t k = 0; k < plan_.taps_y.count[o]; ++k) {
                rows[k] = intermediate_.data() + size_t{plan_.taps_y.first[o] - first_row_ + k} * row_bytes_;
            }
            resample_column(rows.data(), static_cast<uint32_t>(row_bytes_), plan_.taps_y, o, output_row(o));
        }
    }

private:
    // Whether region row r is an image row.
    bool inside(uint32_t r) const {
        const int64_t y = plan_.region_y0 + r;
        return plan_.x0 != plan_.x1 && y >= plan_.y0 && y < plan_.y1;
    }

    uint8_t* output_row(uint32_t o) const {
        return slot_ + size_t{plan_.flip_rows ? shape_.height - 1 - o : o} * shape_.row_stride;
    }

    void fill_nearest_rows_outside(const uint8_t* fill) {
        for (uint32_t o = 0; o < shape_.height; ++o) {
            if (inside(plan_.nearest_rows[o])) continue;
            uint8_t* out = output_row(o);
            for (size_t i = 0; i < row_bytes_; i += shape_.channels) std::memcpy(out + i, fill, shape_.channels);
        }
    }

    void write_nearest(uint32_t r, const uint8_t* pixels) {
        const uint32_t channels = shape_.channels;
        while (next_row_ < shape_.height && plan_.nearest_rows[next_row_] < r) ++next_row_;
        const uint8_t* first_written = nullptr;
        for (; next_row_ < shape_.height && plan_.nearest_rows[next_row_] == r; ++next_row_) {
            uint8_t* out = output_row(next_row_);
            if (first_written != nullptr) {
                std::memcpy(out, first_written, row_bytes_);
                continue;
            }
            for (uint32_t o = 0; o < shape_.width; ++o) {
                std::memcpy(out + size_t{o} * channels, pixels + size_t{plan_.nearest_columns[o]} * channels,
                            channels);
            }
            first_written = out;
        }
    }

    const CropPlan& plan_;
    const OutputShape& shape_;
    uint8_t* slot_;
    uint32_t group_x0_;
    size_t row_bytes_;
    uint32_t next_row_ = 0;
    uint32_t first_row_ = 0;
    std::vector<uint8_t> intermediate_;
    std::vector<uint8_t> padded_row_;  // the region's columns: fill around the image's
};

// The slot of an item whose plan is transposed (EXIF orientations 5 to 8): stored-frame
// output row k is the output's column k. Pillow turns the image first and resizes along
// the displayed rows, which are stored columns, before the displayed columns; so does
// this, for the same bytes. Rows arrive in stored order, so each stored-frame output row
// keeps int32 sums of its tap rows as they arrive, which is resample_column's arithmetic
// and gives the same clipped intermediate; once its last image row is in, it is clipped,
// resampled along the stored row (the displayed vertical pass) and written as a column.
// Only the rows whose taps are in flight hold sums.
class TransposedWriter final : public Writer {
public:
    TransposedWriter(const CropPlan& plan, const OutputShape& shape, uint8_t* slot, uint32_t group_x0,
                     const uint8_t* fill, uint32_t open_rows)
        : plan_(plan), shape_(shape), slot_(slot), group_x0_(group_x0), channels_(shape.channels),
          region_bytes_(size_t{plan.region_width} * shape.channels), nearest_(plan.filter == Filter::nearest),
          outputs_(static_cast<uint32_t>(nearest_ ? plan.nearest_rows.size() : plan.taps_y.first.size())),
          columns_(static_cast<uint32_t>(nearest_ ? plan.nearest_columns.size() : plan.taps_x.first.size())) {
        if (plan.x0 != plan.x1 && plan.y0 != plan.y1) {
            image0_ = int64_t{plan.y0} - plan.region_y0;
            image1_ = int64_t{plan.y1} - plan.region_y0;
        }
        output_row_.resize(size_t{columns_} * channels_);
        if (plan.padded()) {
            fill_row_.resize(region_bytes_);
            for (size_t i = 0; i < region_bytes_; i += channels_) std::memcpy(&fill_row_[i], fill, channels_);
            padded_row_ = fill_row_;
        }
        if (nearest_) {
            if (!plan.padded()) return;
            for (size_t i = 0; i < output_row_.size(); i += channels_) std::memcpy(&output_row_[i], fill, channels_);
            for (uint32_t k = 0; k < outputs_; ++k) {
                if (!inside(plan.nearest_rows[k])) emit(k);
            }
            return;
        }
        open_rows_ = std::max(open_rows, 1u);
        sums_.resize(size_t{open_rows_} * region_bytes_);
        clipped_.resize(region_bytes_);
    }

    void row(uint32_t y, const uint8_t* group_row) override {
        if (y < plan_.y0 || y >= plan_.y1 || plan_.x0 == plan_.x1) return;
        const int64_t r = int64_t{y} - plan_.region_y0;
        const uint8_t* pixels = group_row + size_t{plan_.x0 - group_x0_} * channels_;
        if (!padded_row_.empty()) {
            std::memcpy(padded_row_.data() + static_cast<size_t>(plan_.x0 - plan_.region_x0) * channels_, pixels,
                        size_t{plan_.x1 - plan_.x0} * channels_);
            pixels = padded_row_.data();
        }
        if (nearest_) {
            while (next_open_ < outputs_ && plan_.nearest_rows[next_open_] < r) ++next_open_;
            for (; next_open_ < outputs_ && plan_.nearest_rows[next_open_] == r; ++next_open_) {
                for (uint32_t j = 0; j < columns_; ++j) {
                    std::memcpy(&output_row_[size_t{j} * channels_],
                                pixels + size_t{plan_.nearest_columns[j]} * channels_, channels_);
                }
                emit(next_open_);
            }
            return;
        }
        const ResampleTaps& taps = plan_.taps_y;
        while (next_open_ < outputs_ && taps.first[next_open_] <= r) open(next_open_++);
        for (uint32_t k = next_close_; k < next_open_; ++k) {
            if (r >= int64_t{taps.first[k]} + taps.count[k]) continue;
            add(k, pixels, taps.weights[size_t{k} * taps.max_count + static_cast<size_t>(r - taps.first[k])]);
        }
        while (next_close_ < next_open_ && last_image_row(next_close_) <= r) close(next_close_++);
    }

    void finish() override {
        if (nearest_) return;
        // Rows whose taps lie wholly in the padding below the image (or all rows, when
        // the box misses the image) have received nothing.
        while (next_close_ < next_open_) close(next_close_++);
        for (; next_open_ < outputs_; next_close_ = ++next_open_) {
            open(next_open_);
            close(next_open_);
        }
    }

private:
    bool inside(int64_t region_row) const {
        return region_row >= image0_ && region_row < image1_;
    }

    // The image row after which output row k has all its image rows; fill-only rows
    // close at once.
    int64_t last_image_row(uint32_t k) const {
        return std::min<int64_t>(int64_t{plan_.taps_y.first[k]} + plan_.taps_y.count[k], image1_) - 1;
    }

    int32_t* sums(uint32_t k) { return sums_.data() + size_t{k % open_rows_} * region_bytes_; }

    void add(uint32_t k, const uint8_t* pixels, int32_t weight) {
        int32_t* sum = sums(k);
        for (size_t i = 0; i < region_bytes_; ++i) sum[i] += int32_t{pixels[i]} * weight;
    }

    void open(uint32_t k) {
        int32_t* sum = sums(k);
        std::fill(sum, sum + region_bytes_, int32_t{1} << (kWeightBits - 1));
        if (fill_row_.empty()) return;
        const ResampleTaps& taps = plan_.taps_y;
        for (uint32_t t = 0; t < taps.count[k]; ++t) {
            if (!inside(int64_t{taps.first[k]} + t)) add(k, fill_row_.data(), taps.weights[size_t{k} * taps.max_count + t]);
        }
    }

    void close(uint32_t k) {
        const int32_t* sum = sums(k);
        for (size_t i = 0; i < region_bytes_; ++i) {
            clipped_[i] = static_cast<uint8_t>(std::clamp<int32_t>(sum[i] >> kWeightBits, 0, 255));
        }
        resample_row(clipped_.data(), channels_, plan_.taps_x, output_row_.data());
        emit(k);
    }

    // output_row_ as the output's column of stored-frame row k.
    void emit(uint32_t k) {
        const size_t column = size_t{plan_.flip_rows ? outputs_ - 1 - k : k} * channels_;
        for (uint32_t j = 0; j < columns_; ++j) {
            std::memcpy(slot_ + j * shape_.row_stride + column, &output_row_[size_t{j} * channels_], channels_);
        }
    }

    const CropPlan& plan_;
    const OutputShape& shape_;
    uint8_t* slot_;
    uint32_t group_x0_;
    uint32_t channels_;
    size_t region_bytes_;
    bool nearest_;
    uint32_t outputs_;  // stored-frame rows: the output's columns
    uint32_t columns_;  // stored-frame columns: the output's rows
    int64_t image0_ = 0, image1_ = 0;  // the region rows that are image rows
    uint32_t open_rows_ = 1;
    uint32_t next_open_ = 0, next_close_ = 0;
    std::vector<int32_t> sums_;  // open_rows_ rows of region_bytes_, row k at k % open_rows_
    std::vector<uint8_t> clipped_;
    std::vector<uint8_t> output_row_;
    std::vector<uint8_t> fill_row_;
    std::vector<uint8_t> padded_row_;
};

class GroupSink final : public RowSink {
public:
    explicit GroupSink(std::vector<std::unique_ptr<Writer>>* writers) : writers_(writers) {}
    void row(uint32_t y, const uint8_t* pixels) override {
        for (auto& writer : *writers_) writer->row(y, pixels);
    }

private:
    std::vector<std::unique_ptr<Writer>>* writers_;
};

struct PlannedItem {
    size_t index;
    CropPlan plan;
    uint32_t open_rows = 1;  // a transposed smoothing plan's rows of sums
};

class SourceProcessor {
public:
    SourceProcessor(const BatchJob& job, const Limits& limits, std::vector<ItemResult>* results)
        : job_(job), limits_(limits), results_(results) {}

    // Decodes one source for all the items that name it. file_buffer is the worker's.
    void process(const std::vector<size_t>& items, std::vector<uint8_t>* file_buffer) {
        ByteSpan bytes;
        Status status = load(job_.sources[items.front()], file_buffer, &bytes);
        std::unique_ptr<Decoder> decoder;
        ImageHeader header;
        if (status.is_ok()) status = open_decoder(bytes, &decoder, &header);
        if (!status.is_ok()) {
            for (const size_t i : items) fail(i, status);
            return;
        }
        // Items at the same scale share one decode; different scales decode apart,
        // so an item's pixels never depend on which other items share its batch.
        std::map<uint32_t, std::vector<PlannedItem>> by_scale;
        // Boxes are on the displayed image; malformed EXIF displays as stored.
        const Dihedral to_stored = display_to_stored(job_.exif_apply ? read_orientation(bytes) : 1);
        const uint32_t display_width = to_stored.transpose ? header.height : header.width;
        const uint32_t display_height = to_stored.transpose ? header.width : header.height;
        for (const size_t i : items) {
            parcrop_box box;
            status = resolve_box(i, display_width, display_height, &box);
            if (!status.is_ok()) {
                fail(i, status);
                continue;
            }
            const uint32_t denom = job_.exact ? 1 : choose_scale_denom(box, job_.shape, header.max_scale_denom);
            const uint32_t flip = job_.flip | (job_.item_flip != nullptr ? job_.item_flip[i] : 0u);
            PlannedItem item{i, plan_oriented_crop(box, header.width, header.height, to_stored, denom, job_.shape,
                                                   job_.filter, flip, job_.out_of_bounds == OutOfBounds::pad)};
            if (item.plan.transpose && item.plan.filter != Filter::nearest) {
                item.open_rows = transposed_open_rows(item.plan);
                status = check_decode_memory(uint64_t{item.open_rows} * item.plan.region_width * job_.shape.channels *
                                                 sizeof(int32_t),
                                             "the sums of a crop turned by its EXIF orientation", limits_);
                if (!status.is_ok()) {
                    fail(i, status);
                    continue;
                }
            }
            by_scale[denom].push_back(std::move(item));
        }
        bool first_decode = true;
        for (auto& [denom, planned] : by_scale) {
            Status decoded;
            if (!first_decode) decoded = open_decoder(bytes, &decoder, &header);
            first_decode = false;
            if (decoded.is_ok()) decoded = decode_items(*decoder, denom, planned);
            if (decoded.is_ok()) continue;
            if (planned.size() == 1) {
                fail(planned.front().index, decoded);
                continue;
            }
            // A shared decode fails for the union of its items' regions: damage below one
            // crop, or a band over the memory limit, must not fail the crops that would
            // succeed alone. Failures are rare, so each item is simply decoded on its own.
            for (const PlannedItem& item : planned) decode_alone(bytes, denom, item);
        }
    }

    void fail(size_t index, const Status& status) {
        (*results_)[index] = ItemResult{status.code(), status.message()};
        uint8_t* slot = job_.out + index * job_.shape.item_stride;
        for (uint32_t o = 0; o < job_.shape.height; ++o) {
            std::memset(slot + o * job_.shape.row_stride, 0, size_t{job_.shape.width} * job_.shape.channels);
        }
    }

private:
    Status load(const parcrop_source& source, std::vector<uint8_t>* file_buffer, ByteSpan* bytes) const {
        if (source.data != nullptr) {
            if (source.size == 0) return Status(PARCROP_E_EMPTY_INPUT, "input is empty");
            if (source.size > limits_.max_file_size) {
                return Status(PARCROP_E_FILE_TOO_LARGE, "input has " + std::to_string(source.size) +
                                                            " bytes, over the limit of " +
                                                            std::to_string(limits_.max_file_size));
            }
            *bytes = ByteSpan{source.data, source.size};
            return Status::ok();
        }
        if (source.path == nullptr) return Status(PARCROP_E_INVALID_SOURCE, "source has neither path nor data");
        return read_file(source.path, limits_.max_file_size, file_buffer, bytes);
    }

    // The box on a width x height image (the displayed one, under exif_apply).
    Status resolve_box(size_t i, uint32_t width, uint32_t height, parcrop_box* box) const {
        const BoxSource& from = job_.box_source;
        if (from.glimpses != nullptr) {
            return glimpse_box(width, height, from.glimpses[i], from.max_img_percent, box);
        }
        *box = from.boxes[i];
        if (from.normalized) {
            box->x0 *= static_cast<float>(width);
            box->x1 *= static_cast<float>(width);
            box->y0 *= static_cast<float>(height);
            box->y1 *= static_cast<float>(height);
        }
        return apply_out_of_bounds(job_.out_of_bounds, width, height, std::max(limits_.max_width, limits_.max_height),
                                   box);
    }

    // Every decode needs a decoder of its own: decode() may be called once.
    Status open_decoder(ByteSpan bytes, std::unique_ptr<Decoder>* decoder, ImageHeader* header) const {
        PARCROP_RETURN_IF_ERROR(make_decoder(bytes, limits_, decoder));
        return (*decoder)->read_header(header);
    }

    void decode_alone(ByteSpan bytes, uint32_t denom, const PlannedItem& item) {
        std::unique_ptr<Decoder> decoder;
        ImageHeader header;
        Status status = open_decoder(bytes, &decoder, &header);
        if (status.is_ok()) status = decode_items(*decoder, denom, {item});
        if (!status.is_ok()) fail(item.index, status);
    }

    Status decode_items(Decoder& decoder, uint32_t denom, const std::vector<PlannedItem>& planned) {
        DecodeRequest request;
        request.scale_denom = denom;
        request.channels = job_.shape.channels;
        std::vector<uint32_t> rows;
        bool any_rows = false;
        for (const PlannedItem& item : planned) {
            const std::vector<uint32_t> item_rows = item.plan.needed_rows();
            if (item_rows.empty()) continue;  // a padded box wholly outside the image
            request.x0 = any_rows ? std::min(request.x0, item.plan.x0) : item.plan.x0;
            request.x1 = any_rows ? std::max(request.x1, item.plan.x1) : item.plan.x1;
            any_rows = true;
            std::vector<uint32_t> merged;
            std::set_union(rows.begin(), rows.end(), item_rows.begin(), item_rows.end(), std::back_inserter(merged));
            rows.swap(merged);
        }
        std::vector<std::unique_ptr<Writer>> writers;
        for (const PlannedItem& item : planned) {
            uint8_t* slot = job_.out + item.index * job_.shape.item_stride;
            if (item.plan.transpose) {
                writers.push_back(std::make_unique<TransposedWriter>(item.plan, job_.shape, slot, request.x0, job_.fill,
                                                                     item.open_rows));
            } else {
                writers.push_back(std::make_unique<ItemWriter>(item.plan, job_.shape, slot, request.x0, job_.fill));
            }
        }
        if (any_rows) {
            request.rows = &rows;
            GroupSink sink(&writers);
            PARCROP_RETURN_IF_ERROR(decoder.decode(request, sink));
        }
        for (auto& writer : writers) writer->finish();
        return Status::ok();
    }

    const BatchJob& job_;
    const Limits& limits_;
    std::vector<ItemResult>* results_;
};

// Items that name the same file (by path) or the same bytes (by address) form one
// group, in the order of their first appearance.
std::vector<std::vector<size_t>> group_by_source(const parcrop_source* sources, size_t count) {
    std::vector<std::vector<size_t>> groups;
    std::unordered_map<std::string, size_t> group_of;
    for (size_t i = 0; i < count; ++i) {
        const parcrop_source& s = sources[i];
        std::string key;
        if (s.data != nullptr) {
            key = "m" + std::to_string(reinterpret_cast<uintptr_t>(s.data)) + ":" + std::to_string(s.size);
        } else if (s.path != nullptr) {
            key = std::string("p") + s.path;
        } else {
            groups.push_back({i});  // invalid; fails on its own
            continue;
        }
        auto [it, inserted] = group_of.emplace(std::move(key), groups.size());
        if (inserted) {
            groups.push_back({i});
        } else {
            groups[it->second].push_back(i);
        }
    }
    return groups;
}

}  // namespace

void run_batch(const BatchJob& job, const Limits& limits, int num_threads, std::vector<ItemResult>* results) {
    results->assign(job.count, ItemResult{});
    std::vector<std::vector<size_t>> groups;
    try {
        groups = group_by_source(job.sources, job.count);
    } catch (const std::bad_alloc&) {
        SourceProcessor processor(job, limits, results);
        for (size_t i = 0; i < job.count; ++i) processor.fail(i, Status(PARCROP_E_OUT_OF_MEMORY, "no memory to group the batch"));
        return;
    }
    // One file buffer per worker, reused from item to item.
    const int workers = std::max(1, std::min<int>(num_threads, static_cast<int>(groups.size())));
    std::vector<std::vector<uint8_t>> file_buffers(static_cast<size_t>(workers));
    SourceProcessor processor(job, limits, results);
    parallel_for(static_cast<long>(groups.size()), workers, [&](long g, int worker) {
        try {
            processor.process(groups[g], &file_buffers[worker]);
        } catch (const std::bad_alloc&) {
            for (const size_t i : groups[g]) processor.fail(i, Status(PARCROP_E_OUT_OF_MEMORY, "out of memory"));
        } catch (const std::exception& e) {
            for (const size_t i : groups[g]) processor.fail(i, Status(PARCROP_E_INTERNAL, e.what()));
        }
    });
}

}  // namespace parcrop
