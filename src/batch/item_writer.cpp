#include "batch/item_writer.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace parcrop {
namespace {

// One item's output slot, filled from the rows its source's decoder delivers. Where the
// region reaches outside the image (padding), the rows and columns there are the fill,
// resampled like image pixels so that the edge blends as Pillow's would.
class RowWriter final : public ItemWriter {
public:
    RowWriter(const CropPlan& plan, const OutputShape& shape, uint8_t* slot, uint32_t group_x0, const uint8_t* fill)
        : plan_(plan), shape_(shape), slot_(slot), group_x0_(group_x0),
          row_bytes_(size_t{shape.width} * shape.channels), horizontal_(plan.taps_x, shape.channels) {
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
        horizontal_(padded_row_.data(), fill_row.data());
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
            horizontal_(pixels, intermediate_.data() + size_t{r - first_row_} * row_bytes_);
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
            if (columns_in_order_) {
                std::memcpy(out, pixels + size_t{plan_.nearest_columns.front()} * channels, row_bytes_);
            } else if (channels == 3) {
                gather_columns<3>(pixels, out);
            } else if (channels == 4) {
                gather_columns<4>(pixels, out);
            } else {
                gather_columns<1>(pixels, out);
            }
            first_written = out;
        }
    }

    // A copy per pixel of a size known at compile time: a call to memcpy per pixel cost
    // more than decoding the crop.
    template <uint32_t kChannels>
    void gather_columns(const uint8_t* pixels, uint8_t* out) const {
        const uint32_t* column = plan_.nearest_columns.data();
        for (uint32_t o = 0; o < shape_.width; ++o) {
            std::memcpy(out + size_t{o} * kChannels, pixels + size_t{column[o]} * kChannels, kChannels);
        }
    }

    static bool consecutive(const std::vector<uint32_t>& columns) {
        for (size_t i = 1; i < columns.size(); ++i) {
            if (columns[i] != columns[i - 1] + 1) return false;
        }
        return true;
    }

    const CropPlan& plan_;
    const OutputShape& shape_;
    uint8_t* slot_;
    uint32_t group_x0_;
    size_t row_bytes_;
    // Nearest columns that are the region's own, in order (a crop at its own size): a row is one copy.
    bool columns_in_order_ = plan_.filter == Filter::nearest && consecutive(plan_.nearest_columns);
    uint32_t next_row_ = 0;
    uint32_t first_row_ = 0;
    std::vector<uint8_t> intermediate_;
    std::vector<uint8_t> padded_row_;  // the region's columns: fill around the image's
    RowResampler horizontal_;  // from the plan's final taps, built once for all rows
};

// The slot of an item whose plan is transposed (EXIF orientations 5 to 8): stored-frame
// output row k is the output's column k. Pillow turns the image first and resizes along
// the displayed rows, which are stored columns, before the displayed columns; so does
// this, for the same bytes. Rows arrive in stored order, so each stored-frame output row
// keeps int32 sums of its tap rows as they arrive, which is resample_column's arithmetic
// and gives the same clipped intermediate; once its last image row is in, it is clipped,
// resampled along the stored row (the displayed vertical pass) and written as a column.
// Only the rows whose taps are in flight hold sums.
class TransposedWriter final : public ItemWriter {
public:
    TransposedWriter(const CropPlan& plan, const OutputShape& shape, uint8_t* slot, uint32_t group_x0,
                     const uint8_t* fill, uint32_t open_rows)
        : plan_(plan), shape_(shape), slot_(slot), group_x0_(group_x0), channels_(shape.channels),
          region_bytes_(size_t{plan.region_width} * shape.channels), nearest_(plan.filter == Filter::nearest),
          outputs_(static_cast<uint32_t>(nearest_ ? plan.nearest_rows.size() : plan.taps_y.first.size())),
          columns_(static_cast<uint32_t>(nearest_ ? plan.nearest_columns.size() : plan.taps_x.first.size())),
          horizontal_(plan.taps_x, shape.channels) {
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
        // Every padding row is the same fill row, so its taps add as one: the sum of their
        // weights times the fill, equal in integers to a tap at a time and a region row per
        // output instead of one per padding tap (a large padded box made that quadratic).
        const ResampleTaps& taps = plan_.taps_y;
        int32_t padding_weight = 0;
        for (uint32_t t = 0; t < taps.count[k]; ++t) {
            if (!inside(int64_t{taps.first[k]} + t)) padding_weight += taps.weights[size_t{k} * taps.max_count + t];
        }
        if (padding_weight != 0) add(k, fill_row_.data(), padding_weight);
    }

    void close(uint32_t k) {
        const int32_t* sum = sums(k);
        for (size_t i = 0; i < region_bytes_; ++i) {
            clipped_[i] = static_cast<uint8_t>(std::clamp<int32_t>(sum[i] >> kWeightBits, 0, 255));
        }
        horizontal_(clipped_.data(), output_row_.data());
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
    RowResampler horizontal_;  // from the plan's final taps, built once for all rows
    int64_t image0_ = 0, image1_ = 0;  // the region rows that are image rows
    uint32_t open_rows_ = 1;
    uint32_t next_open_ = 0, next_close_ = 0;
    std::vector<int32_t> sums_;  // open_rows_ rows of region_bytes_, row k at k % open_rows_
    std::vector<uint8_t> clipped_;
    std::vector<uint8_t> output_row_;
    std::vector<uint8_t> fill_row_;
    std::vector<uint8_t> padded_row_;
};

}  // namespace

std::unique_ptr<ItemWriter> make_item_writer(const CropPlan& plan, const OutputShape& shape, uint8_t* slot,
                                             uint32_t group_x0, const uint8_t* fill, uint32_t open_rows) {
    if (plan.transpose) return std::make_unique<TransposedWriter>(plan, shape, slot, group_x0, fill, open_rows);
    return std::make_unique<RowWriter>(plan, shape, slot, group_x0, fill);
}

}  // namespace parcrop
