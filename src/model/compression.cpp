#include "model/compression.hpp"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>

#include "base/coding.hpp"

namespace kafka_do::model {
namespace {

Error codec_error(Compression codec, const std::string& what) {
  return Error(Errc::corruption, std::string(compression_name(codec)) + ": " + what);
}

Result<std::string> gzip_compress(std::string_view in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return Error(Errc::io_error, "gzip: deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, uLong(in.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = uInt(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = uInt(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Error(Errc::io_error, "gzip: deflate did not finish");
  out.resize(produced);
  return out;
}

Result<std::string> gzip_decompress(std::string_view in, size_t max_output) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Error(Errc::io_error, "gzip: inflateInit2 failed");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = uInt(in.size());
  char buf[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return codec_error(Compression::gzip, "corrupt stream");
    }
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > max_output) {
      inflateEnd(&zs);
      return Error(Errc::too_large, "gzip: decompressed size over limit");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return codec_error(Compression::gzip, "truncated stream");
    }
  }
  inflateEnd(&zs);
  return out;
}

constexpr std::string_view kXerialMagic{"\x82SNAPPY\0", 8};

Result<std::string> snappy_block(std::string_view in, size_t max_output, std::string& out) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &length)) {
    return codec_error(Compression::snappy, "bad block header");
  }
  if (out.size() + length > max_output)
    return Error(Errc::too_large, "snappy: decompressed size over limit");
  const size_t at = out.size();
  out.resize(at + length);
  if (!snappy::RawUncompress(in.data(), in.size(), out.data() + at)) {
    return codec_error(Compression::snappy, "corrupt block");
  }
  return std::string();
}

Result<std::string> snappy_decompress(std::string_view in, size_t max_output) {
  std::string out;
  if (in.substr(0, kXerialMagic.size()) != kXerialMagic) {
    KD_TRY(snappy_block(in, max_output, out));
    return out;
  }
  // Xerial framing: 8-byte magic, 4-byte version, 4-byte compatible version, then chunks of
  // [int32 big-endian length][raw snappy block].
  ByteReader r(in);
  r.skip(16);
  while (r.ok() && !r.empty()) {
    const int32_t n = r.i32();
    std::string_view chunk = r.bytes(size_t(std::max(n, 0)));
    if (!r.ok() || n < 0) return codec_error(Compression::snappy, "truncated xerial chunk");
    KD_TRY(snappy_block(chunk, max_output, out));
  }
  if (!r.ok()) return codec_error(Compression::snappy, "truncated xerial header");
  return out;
}

Result<std::string> lz4_compress(std::string_view in) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.contentSize = in.size();
  std::string out(LZ4F_compressFrameBound(in.size(), &prefs), '\0');
  const size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) return Error(Errc::io_error, std::string("lz4: ") + LZ4F_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> lz4_decompress(std::string_view in, size_t max_output) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
    return Error(Errc::io_error, "lz4: cannot create context");
  }
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(
      raw, LZ4F_freeDecompressionContext);
  std::string out;
  char buf[64 * 1024];
  const char* src = in.data();
  size_t left = in.size();
  size_t hint = 1;
  while (left > 0 && hint != 0) {
    size_t dst_size = sizeof(buf);
    size_t src_size = left;
    hint = LZ4F_decompress(ctx.get(), buf, &dst_size, src, &src_size, nullptr);
    if (LZ4F_isError(hint)) return codec_error(Compression::lz4, LZ4F_getErrorName(hint));
    out.append(buf, dst_size);
    if (out.size() > max_output) return Error(Errc::too_large, "lz4: decompressed size over limit");
    src += src_size;
    left -= src_size;
    if (src_size == 0 && dst_size == 0) break;
  }
  // Drain output still buffered in the context.
  while (hint != 0) {
    size_t dst_size = sizeof(buf);
    size_t src_size = 0;
    hint = LZ4F_decompress(ctx.get(), buf, &dst_size, src, &src_size, nullptr);
    if (LZ4F_isError(hint)) return codec_error(Compression::lz4, LZ4F_getErrorName(hint));
    if (dst_size == 0) break;
    out.append(buf, dst_size);
    if (out.size() > max_output) return Error(Errc::too_large, "lz4: decompressed size over limit");
  }
  if (hint != 0) return codec_error(Compression::lz4, "truncated frame");
  return out;
}

Result<std::string> zstd_compress(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  if (ZSTD_isError(n)) return Error(Errc::io_error, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> zstd_decompress(std::string_view in, size_t max_output) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return Error(Errc::io_error, "zstd: cannot create context");
  std::string out;
  char buf[64 * 1024];
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t rc = 1;
  while (input.pos < input.size || rc != 0) {
    ZSTD_outBuffer output{buf, sizeof(buf), 0};
    rc = ZSTD_decompressStream(ctx.get(), &output, &input);
    if (ZSTD_isError(rc)) return codec_error(Compression::zstd, ZSTD_getErrorName(rc));
    out.append(buf, output.pos);
    if (out.size() > max_output)
      return Error(Errc::too_large, "zstd: decompressed size over limit");
    if (output.pos == 0 && input.pos == input.size && rc != 0) {
      return codec_error(Compression::zstd, "truncated frame");
    }
  }
  return out;
}

}  // namespace

const char* compression_name(Compression codec) {
  switch (codec) {
    case Compression::none:
      return "none";
    case Compression::gzip:
      return "gzip";
    case Compression::snappy:
      return "snappy";
    case Compression::lz4:
      return "lz4";
    case Compression::zstd:
      return "zstd";
  }
  return "unknown";
}

std::optional<Compression> compression_from_name(std::string_view name) {
  if (name == "none" || name == "uncompressed" || name == "producer") return Compression::none;
  if (name == "gzip") return Compression::gzip;
  if (name == "snappy") return Compression::snappy;
  if (name == "lz4") return Compression::lz4;
  if (name == "zstd") return Compression::zstd;
  return std::nullopt;
}

Result<std::string> compress(Compression codec, std::string_view input) {
  switch (codec) {
    case Compression::none:
      return std::string(input);
    case Compression::gzip:
      return gzip_compress(input);
    case Compression::snappy: {
      std::string out;
      snappy::Compress(input.data(), input.size(), &out);
      return out;
    }
    case Compression::lz4:
      return lz4_compress(input);
    case Compression::zstd:
      return zstd_compress(input);
  }
  return Error(Errc::unsupported, "unknown compression codec");
}

Result<std::string> decompress(Compression codec, std::string_view input, size_t max_output) {
  switch (codec) {
    case Compression::none:
      return std::string(input);
    case Compression::gzip:
      return gzip_decompress(input, max_output);
    case Compression::snappy:
      return snappy_decompress(input, max_output);
    case Compression::lz4:
      return lz4_decompress(input, max_output);
    case Compression::zstd:
      return zstd_decompress(input, max_output);
  }
  return Error(Errc::unsupported, "unknown compression codec " + std::to_string(int(codec)));
}

}  // namespace kafka_do::model
