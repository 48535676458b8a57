#include "batch/batch.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <unordered_map>
#include <utility>

#include "batch/file_reader.h"
#include "batch/item_writer.h"
#include "batch/jpeg_index_cache.h"
#include "batch/orientation.h"
#include "batch/parallel_for.h"
#include "decode/decoder.h"
#include "decode/jpeg/jpeg_decoder.h"
#include "decode/tiff/tiff_decoder.h"

namespace parcrop {
namespace {

// Hands each decoded row to the writers of the items that asked for rows: only their
// columns are inside the row, whose first column is the union's.
class GroupSink final : public RowSink {
public:
    explicit GroupSink(std::vector<ItemWriter*> writers) : writers_(std::move(writers)) {}
    void row(uint32_t y, const uint8_t* pixels) override {
        for (ItemWriter* writer : writers_) writer->row(y, pixels);
    }

private:
    std::vector<ItemWriter*> writers_;
};

struct PlannedItem {
    size_t index;
    CropPlan plan;
    uint32_t open_rows = 1;  // a transposed smoothing plan's rows of sums
};

// One item of a TIFF, planned while its file's group was processed and decoded apart,
// so that the items of one slide run in parallel; they share the parsed file and the
// tiles more than one of them reads.
struct TiffItem {
    std::shared_ptr<const TiffFile> file;
    std::shared_ptr<TiffTileCache> cache;
    uint32_t level = 0;
    PlannedItem planned;
};

// The most reduced level whose downsample does not exceed the crop's own scale (the
// rule of OpenSlide and GDAL): finer levels cost more, coarser ones lose detail the
// output would have kept.
uint32_t choose_tiff_level(const TiffImage& image, const parcrop_box& box, const OutputShape& shape) {
    const double scale = std::min((static_cast<double>(box.x1) - box.x0) / shape.width,
                                  (static_cast<double>(box.y1) - box.y0) / shape.height);
    const TiffLevel& base = image.levels.front();
    for (size_t i = image.levels.size(); i-- > 1;) {
        if (tiff_level_downsample(base, image.levels[i]) <= scale * (1 + 1e-9)) return static_cast<uint32_t>(i);
    }
    return 0;
}

class SourceProcessor {
public:
    SourceProcessor(const BatchJob& job, const Limits& limits, std::vector<ItemResult>* results)
        : job_(job), limits_(limits), results_(results) {}

    // Decodes one source for all the items that name it. file_buffer is the worker's.
    // A TIFF's items are only planned, into tiff_items, to be decoded by run_tiff_item.
    void process(const std::vector<size_t>& items, std::vector<uint8_t>* file_buffer,
                 std::vector<TiffItem>* tiff_items) {
        ByteSpan bytes;
        std::unique_ptr<TiffInput> tiff;
        int64_t mtime_ns = 0;
        const parcrop_source& source = job_.sources[items.front()];
        Status status = load(source, file_buffer, &bytes, &tiff, &mtime_ns);
        if (status.is_ok() && tiff) {
            plan_tiff(items, std::move(tiff), tiff_items);
            return;
        }
        const std::shared_ptr<const JpegEntropyIndex> index =
            status.is_ok() ? jpeg_index(source, bytes, mtime_ns, items.size()) : nullptr;
        std::unique_ptr<Decoder> decoder;
        ImageHeader header;
        if (status.is_ok()) status = open_decoder(bytes, index, &decoder, &header);
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
            status = resolve_box(i, display_width, display_height, std::max(limits_.max_width, limits_.max_height), &box);
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
            if (!first_decode) decoded = open_decoder(bytes, index, &decoder, &header);
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
            for (const PlannedItem& item : planned) decode_alone(bytes, index, denom, item);
        }
    }

    void run_tiff_item(const TiffItem& item) {
        const std::unique_ptr<Decoder> decoder =
            make_tiff_level_decoder(*item.file, item.level, item.cache.get(), limits_);
        const Status status = decode_items(*decoder, item.planned.plan.scale_denom, {item.planned});
        if (!status.is_ok()) fail(item.planned.index, status);
    }

    void fail(size_t index, const Status& status) {
        (*results_)[index] = ItemResult{status.code(), status.message()};
        uint8_t* slot = job_.out + index * job_.shape.item_stride;
        for (uint32_t o = 0; o < job_.shape.height; ++o) {
            std::memset(slot + o * job_.shape.row_stride, 0, size_t{job_.shape.width} * job_.shape.channels);
        }
    }

private:
    // Parses a TIFF's directories once for all its items and plans each at its level.
    void plan_tiff(const std::vector<size_t>& items, std::unique_ptr<TiffInput> input,
                   std::vector<TiffItem>* tiff_items) {
        auto file = std::make_shared<TiffFile>();
        file->input = std::move(input);
        const Status parsed =
            without_exceptions("tiff", [&] { return parse_tiff(*file->input, tiff_limits(limits_), &file->image); });
        if (!parsed.is_ok()) {
            for (const size_t i : items) fail(i, parsed);
            return;
        }
        auto cache = std::make_shared<TiffTileCache>();
        const TiffImage& image = file->image;
        const TiffLevel& base = image.levels.front();
        for (const size_t i : items) {
            parcrop_box box;
            const Status status = resolve_box(i, base.width, base.height, limits_.max_tiled_image_side, &box);
            if (!status.is_ok()) {
                fail(i, status);
                continue;
            }
            // Boxes are in level 0's pixels, whatever level is read.
            const uint32_t level = job_.exact ? 0 : choose_tiff_level(image, box, job_.shape);
            const TiffLevel& read = image.levels[level];
            const double fx = static_cast<double>(read.width) / base.width;
            const double fy = static_cast<double>(read.height) / base.height;
            const parcrop_box at_level{static_cast<float>(box.x0 * fx), static_cast<float>(box.y0 * fy),
                                       static_cast<float>(box.x1 * fx), static_cast<float>(box.y1 * fy)};
            const uint32_t denom = job_.exact ? 1 : choose_scale_denom(at_level, job_.shape, read.max_scale_denom);
            const uint32_t flip = job_.flip | (job_.item_flip != nullptr ? job_.item_flip[i] : 0u);
            TiffItem item{file, cache, level,
                          PlannedItem{i, plan_oriented_crop(at_level, read.width, read.height, display_to_stored(1),
                                                            denom, job_.shape, job_.filter, flip,
                                                            job_.out_of_bounds == OutOfBounds::pad)}};
            const CropPlan& plan = item.planned.plan;
            for (const uint64_t tile : tiff_tiles_read(read, denom, plan.x0, plan.x1, plan.needed_rows())) {
                cache->expect(TiffTileCache::Key{level, denom, tile});
            }
            tiff_items->push_back(std::move(item));
        }
        cache->keep_shared();
    }

    // The bytes of an item's source, or for a TIFF, the input to read it by parts from.
    Status load(const parcrop_source& source, std::vector<uint8_t>* file_buffer, ByteSpan* bytes,
                std::unique_ptr<TiffInput>* tiff, int64_t* mtime_ns) const {
        if (source.data != nullptr) {
            if (source.size == 0) return Status(PARCROP_E_EMPTY_INPUT, "input is empty");
            if (tiff_recognizes(ByteSpan{source.data, source.size})) {
                *tiff = std::make_unique<MemoryTiffInput>(ByteSpan{source.data, source.size});
                return Status::ok();
            }
            if (source.size > limits_.max_file_size) {
                return Status(PARCROP_E_FILE_TOO_LARGE, "input has " + std::to_string(source.size) +
                                                            " bytes, over the limit of " +
                                                            std::to_string(limits_.max_file_size));
            }
            *bytes = ByteSpan{source.data, source.size};
            return Status::ok();
        }
        if (source.path == nullptr) return Status(PARCROP_E_INVALID_SOURCE, "source has neither path nor data");
        std::unique_ptr<RandomAccessFile> file;
        PARCROP_RETURN_IF_ERROR(open_item_file(source.path, limits_.max_file_size, file_buffer, bytes, &file, mtime_ns));
        if (file) *tiff = std::move(file);
        return Status::ok();
    }

    // The box on a width x height image (the displayed one, under exif_apply); a padded
    // box may reach max_side pixels a side.
    Status resolve_box(size_t i, uint32_t width, uint32_t height, uint32_t max_side, parcrop_box* box) const {
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
        return apply_out_of_bounds(job_.out_of_bounds, width, height, max_side, box);
    }

    // Every decode needs a decoder of its own: decode() may be called once.
    // `index`, if any, is a JPEG's entropy index (null or empty otherwise).
    Status open_decoder(ByteSpan bytes, const std::shared_ptr<const JpegEntropyIndex>& index,
                        std::unique_ptr<Decoder>* decoder, ImageHeader* header) const {
        if (index && !index->positions.empty()) {
            *decoder = make_indexed_jpeg_decoder(bytes, index, limits_);
        } else {
            PARCROP_RETURN_IF_ERROR(make_decoder(bytes, limits_, decoder));
        }
        return (*decoder)->read_header(header);
    }

    // The context's index of a JPEG. It is built the second time the file is cropped on
    // the context, or the first when this batch crops it more than once: one Huffman
    // pass over the file (about half a full decode) costs a dataset read once more than
    // it saves (measured: a first epoch of 2560x1600 glimpses 1.43x slower), and pays
    // from the second read on, when crops start at the crop instead of the file's top.
    // A file that cannot be indexed (progressive, restart markers, arithmetic coding,
    // damage) is remembered by an empty index.
    std::shared_ptr<const JpegEntropyIndex> jpeg_index(const parcrop_source& source, ByteSpan bytes, int64_t mtime_ns,
                                                       size_t crops) const {
        JpegIndexCache* cache = job_.jpeg_indexes;
        if (cache == nullptr || sniff_format(bytes) != FileFormat::jpeg) return nullptr;
        const std::string key = source.data != nullptr ? memory_index_key(bytes.data, bytes.size)
                                                       : file_index_key(source.path, bytes.size, mtime_ns);
        JpegIndexCache::Lookup found = cache->find(key);
        if (found.index) return found.index;
        if (!found.seen && crops < 2) {
            cache->insert(key, nullptr);
            return nullptr;
        }
        auto built = std::make_shared<JpegEntropyIndex>();
        if (!build_jpeg_entropy_index(bytes, 0, built.get()).is_ok()) built = std::make_shared<JpegEntropyIndex>();
        cache->insert(key, built);
        return built;
    }

    void decode_alone(ByteSpan bytes, const std::shared_ptr<const JpegEntropyIndex>& index, uint32_t denom,
                      const PlannedItem& item) {
        std::unique_ptr<Decoder> decoder;
        ImageHeader header;
        Status status = open_decoder(bytes, index, &decoder, &header);
        if (status.is_ok()) status = decode_items(*decoder, denom, {item});
        if (!status.is_ok()) fail(item.index, status);
    }

    Status decode_items(Decoder& decoder, uint32_t denom, const std::vector<PlannedItem>& planned) {
        DecodeRequest request;
        request.scale_denom = denom;
        request.channels = job_.shape.channels;
        std::vector<uint32_t> rows;
        std::vector<bool> reads_rows(planned.size(), false);
        bool any_rows = false;
        for (size_t k = 0; k < planned.size(); ++k) {
            const PlannedItem& item = planned[k];
            // None for a padded box whose taps all fall outside the image, even where its
            // hull overlaps it: such an item's columns may lie outside the union's.
            const std::vector<uint32_t> item_rows = item.plan.needed_rows();
            if (item_rows.empty()) continue;
            reads_rows[k] = true;
            request.x0 = any_rows ? std::min(request.x0, item.plan.x0) : item.plan.x0;
            request.x1 = any_rows ? std::max(request.x1, item.plan.x1) : item.plan.x1;
            any_rows = true;
            std::vector<uint32_t> merged;
            std::set_union(rows.begin(), rows.end(), item_rows.begin(), item_rows.end(), std::back_inserter(merged));
            rows.swap(merged);
        }
        std::vector<std::unique_ptr<ItemWriter>> writers;
        std::vector<ItemWriter*> readers;
        for (size_t k = 0; k < planned.size(); ++k) {
            const PlannedItem& item = planned[k];
            writers.push_back(make_item_writer(item.plan, job_.shape, job_.out + item.index * job_.shape.item_stride,
                                               request.x0, job_.fill, item.open_rows));
            if (reads_rows[k]) readers.push_back(writers.back().get());
        }
        if (any_rows) {
            request.rows = &rows;
            GroupSink sink(std::move(readers));
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
    // One file buffer per worker, reused from item to item. Groups run in chunks: a
    // chunk's TIFF items are planned with their groups, then decoded in parallel over
    // items, and a chunk bounds the TIFFs held open at once.
    constexpr size_t kGroupsPerChunk = 256;
    const int workers = std::max(1, std::min<int>(num_threads, static_cast<int>(groups.size())));
    std::vector<std::vector<uint8_t>> file_buffers(static_cast<size_t>(workers));
    std::vector<std::vector<TiffItem>> tiff_items(static_cast<size_t>(workers));
    SourceProcessor processor(job, limits, results);
    for (size_t begin = 0; begin < groups.size(); begin += kGroupsPerChunk) {
        const size_t end = std::min(groups.size(), begin + kGroupsPerChunk);
        parallel_for(static_cast<long>(end - begin), workers, [&](long k, int worker) {
            const std::vector<size_t>& group = groups[begin + static_cast<size_t>(k)];
            try {
                processor.process(group, &file_buffers[worker], &tiff_items[worker]);
            } catch (const std::bad_alloc&) {
                for (const size_t i : group) processor.fail(i, Status(PARCROP_E_OUT_OF_MEMORY, "out of memory"));
            } catch (const std::exception& e) {
                for (const size_t i : group) processor.fail(i, Status(PARCROP_E_INTERNAL, e.what()));
            }
        });
        std::vector<TiffItem> chunk_items;
        for (std::vector<TiffItem>& planned : tiff_items) {
            std::move(planned.begin(), planned.end(), std::back_inserter(chunk_items));
            planned.clear();
        }
        if (chunk_items.empty()) continue;
        // In item order, so that the readers of a shared tile run close together.
        std::sort(chunk_items.begin(), chunk_items.end(),
                  [](const TiffItem& a, const TiffItem& b) { return a.planned.index < b.planned.index; });
        const int tiff_workers = std::max(1, std::min<int>(num_threads, static_cast<int>(chunk_items.size())));
        parallel_for(static_cast<long>(chunk_items.size()), tiff_workers, [&](long k, int) {
            const TiffItem& item = chunk_items[static_cast<size_t>(k)];
            try {
                processor.run_tiff_item(item);
            } catch (const std::bad_alloc&) {
                processor.fail(item.planned.index, Status(PARCROP_E_OUT_OF_MEMORY, "out of memory"));
            } catch (const std::exception& e) {
                processor.fail(item.planned.index, Status(PARCROP_E_INTERNAL, e.what()));
            }
        });
    }
}

}  // namespace parcrop
