#include "batch/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <string>

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

private:
    int fd_;
};

}  // namespace

Status read_file(const char* path, uint64_t max_file_size, std::vector<uint8_t>* buffer,
                 ByteSpan* bytes) {
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

}  // namespace parcrop
