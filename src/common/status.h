// The internal result type: a public status code plus a message naming what failed.
// Success carries no message, so the success path never allocates.
#pragma once

#include <string>
#include <utility>

#include "parcrop.h"

namespace parcrop {

class Status {
public:
    Status() = default;
    Status(parcrop_status code, std::string message) : code_(code), message_(std::move(message)) {}

    static Status ok() { return Status(); }

    bool is_ok() const { return code_ == PARCROP_OK; }
    parcrop_status code() const { return code_; }
    const std::string& message() const { return message_; }

private:
    parcrop_status code_ = PARCROP_OK;
    std::string message_;
};

#define PARCROP_RETURN_IF_ERROR(expr)            \
    do {                                         \
        ::parcrop::Status status_ = (expr);      \
        if (!status_.is_ok()) return status_;    \
    } while (0)

}  // namespace parcrop
