#include "storage/data_dir_check.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "base/coding.hpp"
#include "model/record_batch.hpp"
#include "model/record_batch_format.hpp"

namespace kafka_do::storage {
namespace {

bool is_number(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Reads a whole file (segments are at most segment.bytes, 1 GiB by default: mapped, not copied).
Result<std::unique_ptr<fs::MappedRegion>> map_file(fs::FileSystem& fs, const std::string& path) {
  KD_ASSIGN(auto file, fs.open(path, fs::OpenMode::read_only));
  if (file->size() == 0) return std::unique_ptr<fs::MappedRegion>();  // nothing to map
  return file->map();
}

class PartitionChecker {
 public:
  PartitionChecker(fs::FileSystem& fs, std::string dir, std::string name, bool compacted,
                   DataDirCheck& out)
      : fs_(fs), dir_(std::move(dir)), name_(std::move(name)), compacted_(compacted), out_(out) {}

  Status run() {
    KD_ASSIGN(auto files, fs_.list(dir_));
    std::vector<std::string> logs;
    for (const auto& f : files) {
      if (ends_with(f, ".log") && is_number(f.substr(0, f.size() - 4))) logs.push_back(f);
    }
    std::sort(logs.begin(), logs.end());  // fixed-width names: text order is offset order
    for (size_t i = 0; i < logs.size(); ++i) KD_TRY(segment(logs[i], i + 1 == logs.size()));
    return {};
  }

 private:
  void damage(const std::string& file, uint64_t pos, const std::string& what) {
    out_.damage.push_back(name_ + "/" + file + " at byte " + std::to_string(pos) + ": " + what);
  }

  Status segment(const std::string& file, bool newest) {
    ++out_.segments;
    const int64_t base = std::stoll(file.substr(0, file.size() - 4));
    KD_ASSIGN(auto region, map_file(fs_, fs::join_path(dir_, file)));
    const std::string_view data = region ? region->data() : std::string_view();
    out_.bytes += data.size();
    std::map<uint64_t, int64_t> batch_at;  // position -> base offset, for the index check
    uint64_t pos = 0;
    bool first = true;
    while (pos < data.size()) {
      const std::string_view rest = data.substr(pos);
      auto header = model::parse_batch_header(rest);
      const bool whole = header && header->total_size() <= rest.size();
      if (!whole || !model::crc_matches(rest.substr(0, header->total_size()))) {
        const bool at_tail = !whole || header->total_size() == rest.size();
        if (newest && at_tail) {
          out_.torn_tails.push_back(name_ + "/" + file + ": " + std::to_string(rest.size()) +
                                    " bytes at byte " + std::to_string(pos) +
                                    " are a torn write the next open truncates");
        } else {
          damage(file, pos,
                 !header  ? header.error().message()
                 : !whole ? "batch of " + std::to_string(header->total_size()) +
                                " bytes runs past the end of the file"
                          : "CRC mismatch in the batch at offset " +
                                std::to_string(header->base_offset));
        }
        return {};  // the framing after a bad batch cannot be trusted
      }
      const model::BatchHeader& h = *header;
      if (first && !compacted_ && h.base_offset != base) {
        damage(file, pos,
               "first batch starts at offset " + std::to_string(h.base_offset) +
                   ", the segment's name says " + std::to_string(base));
      }
      if (h.base_offset < base) {
        damage(file, pos,
               "batch offset " + std::to_string(h.base_offset) + " is below the segment's base " +
                   std::to_string(base));
      }
      if (next_ >= 0 && h.base_offset < next_) {
        damage(file, pos,
               "batch at offset " + std::to_string(h.base_offset) +
                   " overlaps the one before (which ended at " + std::to_string(next_ - 1) + ")");
      } else if (next_ >= 0 && h.base_offset > next_ && !compacted_) {
        damage(file, pos,
               "offsets " + std::to_string(next_) + ".." + std::to_string(h.base_offset - 1) +
                   " are missing (the topic is not compacted)");
      }
      batch_at[pos] = h.base_offset;
      next_ = std::max(next_, h.next_offset());
      ++out_.batches;
      out_.records += uint64_t(std::max(0, h.record_count));
      pos += h.total_size();
      first = false;
    }
    return check_index(file, base, batch_at);
  }

  Status check_index(const std::string& log_file, int64_t base,
                     const std::map<uint64_t, int64_t>& batch_at) {
    const std::string file = log_file.substr(0, log_file.size() - 4) + ".index";
    const std::string path = fs::join_path(dir_, file);
    if (!fs_.exists(path)) return {};  // active segment, or rebuilt at the next open
    KD_ASSIGN(auto region, map_file(fs_, path));
    const std::string_view data = region ? region->data() : std::string_view();
    if (data.size() % 8 != 0) damage(file, data.size() - data.size() % 8, "partial index entry");
    for (size_t at = 0; at + 8 <= data.size(); at += 8) {
      const int64_t offset = base + int64_t(get_be32(data.data() + at));
      const uint64_t position = get_be32(data.data() + at + 4);
      auto batch = batch_at.find(position);
      if (batch == batch_at.end()) {
        damage(file, at,
               "entry points at byte " + std::to_string(position) + ", where no batch starts");
      } else if (batch->second != offset) {
        damage(file, at,
               "entry says offset " + std::to_string(offset) + " is at byte " +
                   std::to_string(position) + ", where offset " + std::to_string(batch->second) +
                   " is");
      }
    }
    return {};
  }

  fs::FileSystem& fs_;
  const std::string dir_;
  const std::string name_;
  const bool compacted_;
  DataDirCheck& out_;
  int64_t next_ = -1;  // the offset after the last batch seen
};

}  // namespace

Result<DataDirCheck> check_data_dir(fs::FileSystem& fs, const std::string& dir) {
  if (!fs.is_directory(dir)) {
    return Error(Errc::not_found, "data directory " + dir + " does not exist");
  }
  KD_ASSIGN(auto lock, fs.lock(fs::join_path(dir, "LOCK")));
  DataDirCheck out;
  const std::string topics_dir = fs::join_path(dir, "topics");
  if (!fs.is_directory(topics_dir)) return out;
  KD_ASSIGN(auto topics, fs.list(topics_dir));
  std::sort(topics.begin(), topics.end());
  for (const auto& topic : topics) {
    const std::string topic_dir = fs::join_path(topics_dir, topic);
    bool compacted = false;
    auto meta_text = fs::read_file(fs, fs::join_path(topic_dir, "topic.json"));
    if (!meta_text) {
      out.damage.push_back(topic + ": topic.json is missing or unreadable");
    } else {
      auto meta = nlohmann::json::parse(*meta_text, nullptr, /*allow_exceptions=*/false);
      if (meta.is_discarded() || !meta.contains("partitions")) {
        out.damage.push_back(topic + ": topic.json is not valid");
      } else if (meta.contains("config") && meta["config"].contains("cleanup.policy")) {
        compacted = meta["config"]["cleanup.policy"].dump().find("compact") != std::string::npos;
      }
    }
    ++out.topics;
    KD_ASSIGN(auto entries, fs.list(topic_dir));
    std::sort(entries.begin(), entries.end(), [](const std::string& a, const std::string& b) {
      return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    for (const auto& partition : entries) {
      const std::string path = fs::join_path(topic_dir, partition);
      if (!is_number(partition) || !fs.is_directory(path)) continue;
      ++out.partitions;
      KD_TRY(PartitionChecker(fs, path, topic + "/" + partition, compacted, out).run());
    }
  }
  return out;
}

}  // namespace kafka_do::storage
