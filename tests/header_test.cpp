// Compiled as C++ with -Werror: the public header must be usable from C++ as is.
#include "parcrop.h"

#include <cstdio>
#include <memory>

int main() {
    parcrop_context* raw = nullptr;
    if (parcrop_context_create(nullptr, &raw) != PARCROP_OK) return 1;
    std::unique_ptr<parcrop_context, decltype(&parcrop_context_destroy)> context(raw, parcrop_context_destroy);
    void* handle = initialize(1, false);
    if (handle == nullptr) return 1;
    destroy(handle);
    std::printf("C++ header ok, parcrop %s\n", parcrop_version_string());
    return 0;
}
