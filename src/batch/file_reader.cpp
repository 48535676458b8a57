#include "batch/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "decode/tiff/tiff_directory.h"

namespace parcrop {
namespace {

Status errno_status(const char* what, int error) {
    parcrop_status code = PARCROP_E_FILE_UNREADABLE;
    if (error == ENOENT || error == ENOTDIR || error == ENAMETOOLONG || error == ELOOP) {
        code = PARCROP_E_FILE_NOT_FOUND;
    } else if (error == EISDIR) {
        code = PARCROP_E_NOT_A_FILE;
    } else if (error == ENOMEM) {
        code = PARCROP_E_OUT_OF_MEMORY;
    }
    return Status(code, std::string(what) + ": " + std::strerror(error));
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_;
};

// Opens a regular, non-empty file within the size limit; *fd is set only on success.
Status open_checked(const char* path, uint64_t max_file_size, int* fd, uint64_t* file_size,
                    int64_t* mtime_ns = nullptr) {
    // O_NONBLOCK keeps a FIFO named by mistake from blocking the open; it is
    // rejected as not a regular file just below.
    FileDescriptor file(::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (file.get() < 0) return errno_status("open", errno);
    struct stat info;
    if (::fstat(file.get(), &info) != 0) return errno_status("stat", errno);
    if (S_ISDIR(info.st_mode)) return Status(PARCROP_E_NOT_A_FILE, "open: is a directory");
    if (!S_ISREG(info.st_mode)) return Status(PARCROP_E_NOT_A_FILE, "open: not a regular file");
    const uint64_t size = static_cast<uint64_t>(info.st_size);
    if (size == 0) return Status(PARCROP_E_EMPTY_INPUT, "file is empty");
    if (size > max_file_size) {
        return Status(PARCROP_E_FILE_TOO_LARGE, "file has " + std::to_string(size) +
                                                    " bytes, over the limit of " +
                                                    std::to_string(max_file_size));
    }
    *fd = file.release();
    *file_size = size;
    if (mtime_ns != nullptr) *mtime_ns = int64_t{info.st_mtim.tv_sec} * 1000000000 + info.st_mtim.tv_nsec;
    return Status::ok();
}

}  // namespace

Status read_file(const char* path, uint64_t max_file_size, std::vector<uint8_t>* buffer,
                 ByteSpan* bytes) {
    int fd = -1;
    uint64_t size = 0;
    PARCROP_RETURN_IF_ERROR(open_checked(path, max_file_size, &fd, &size));
    FileDescriptor file(fd);
    try {
        buffer->resize(size);
    } catch (const std::bad_alloc&) {
        return Status(PARCROP_E_OUT_OF_MEMORY, "no memory for a file of " + std::to_string(size) + " bytes");
    }
    size_t done = 0;
    while (done < size) {
        const ssize_t got = ::read(file.get(), buffer->data() + done, size - done);
        if (got < 0) {
            if (errno == EINTR) continue;
            return errno_status("read", errno);
        }
        if (got == 0) break;  // the file shrank while we read it
        done += static_cast<size_t>(got);
    }
    if (done == 0) return Status(PARCROP_E_EMPTY_INPUT, "file is empty");
    bytes->data = buffer->data();
    bytes->size = done;
    return Status::ok();
}

RandomAccessFile::~RandomAccessFile() {
    if (fd_ >= 0) ::close(fd_);
}

Status RandomAccessFile::open(const char* path, uint64_t max_file_size) {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    return open_checked(path, max_file_size, &fd_, &size_, &mtime_ns_);
}

Status RandomAccessFile::read_exact(uint64_t offset, size_t count, uint8_t* out) const {
    if (offset > size_ || count > size_ - offset) {
        return Status(PARCROP_E_TRUNCATED, "tiff: " + std::to_string(count) + " bytes at offset " +
                                               std::to_string(offset) + " reach past the end of the " +
                                               std::to_string(size_) + "-byte file");
    }
    size_t got = 0;
    PARCROP_RETURN_IF_ERROR(read_at(offset, count, out, &got));
    if (got != count) return Status(PARCROP_E_TRUNCATED, "tiff: the file shrank while it was read");
    return Status::ok();
}

Status open_item_file(const char* path, uint64_t max_file_size, std::vector<uint8_t>* buffer, ByteSpan* bytes,
                      std::unique_ptr<RandomAccessFile>* tiff, int64_t* mtime_ns) {
    auto file = std::make_unique<RandomAccessFile>();
    PARCROP_RETURN_IF_ERROR(file->open(path, UINT64_MAX));
    *mtime_ns = file->mtime_ns();
    uint8_t head[4];
    size_t got = 0;
    PARCROP_RETURN_IF_ERROR(file->read_at(0, sizeof head, head, &got));
    if (tiff_recognizes(ByteSpan{head, got})) {
        *tiff = std::move(file);
        return Status::ok();
    }
    // Anything else is read whole, through the descriptor already open.
    const uint64_t size = file->size();
    if (size > max_file_size) {
        return Status(PARCROP_E_FILE_TOO_LARGE, "file has " + std::to_string(size) + " bytes, over the limit of " +
                                                    std::to_string(max_file_size));
    }
    try {
        buffer->resize(size);
    } catch (const std::bad_alloc&) {
        return Status(PARCROP_E_OUT_OF_MEMORY, "no memory for a file of " + std::to_string(size) + " bytes");
    }
    std::copy(head, head + got, buffer->begin());
    size_t rest = 0;
    PARCROP_RETURN_IF_ERROR(file->read_at(got, size - got, buffer->data() + got, &rest));
    if (got + rest == 0) return Status(PARCROP_E_EMPTY_INPUT, "file is empty");
    bytes->data = buffer->data();
    bytes->size = got + rest;
    return Status::ok();
}

Status RandomAccessFile::read_at(uint64_t offset, size_t count, uint8_t* out, size_t* got) const {
    *got = 0;
    while (*got < count) {
        const uint64_t at = offset + *got;
        if (at >= size_) break;
        const ssize_t n = ::pread(fd_, out + *got, count - *got, static_cast<off_t>(at));
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_status("read", errno);
        }
        if (n == 0) break;  // the file shrank since it was opened
        *got += static_cast<size_t>(n);
    }
    bytes_read_ += *got;
    return Status::ok();
}

}  // namespace parcrop
