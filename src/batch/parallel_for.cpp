#include "batch/parallel_for.h"

#include <omp.h>
#include <pthread.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace parcrop {
namespace {

// Process-wide by nature: it describes this process, not a context.
std::atomic<bool> forked_child{false};

void mark_forked_child() { forked_child.store(true, std::memory_order_relaxed); }

void watch_for_fork() {
    static std::once_flag once;
    std::call_once(once, [] { pthread_atfork(nullptr, nullptr, mark_forked_child); });
}

void run_on_std_threads(long count, int workers, const std::function<void(long, int)>& body) {
    std::atomic<long> next{0};
    auto work = [&](int worker) {
        for (long i = next.fetch_add(1); i < count; i = next.fetch_add(1)) body(i, worker);
    };
    std::vector<std::thread> threads;
    for (int w = 1; w < workers; ++w) threads.emplace_back(work, w);
    work(0);
    for (std::thread& t : threads) t.join();
}

}  // namespace

void parallel_for(long count, int workers, const std::function<void(long, int)>& body) {
    watch_for_fork();
    if (workers > count) workers = static_cast<int>(count);
    if (workers <= 1) {
        for (long i = 0; i < count; ++i) body(i, 0);
        return;
    }
    if (forked_child.load(std::memory_order_relaxed)) {
        run_on_std_threads(count, workers, body);
        return;
    }
#pragma omp parallel num_threads(workers)
    {
        const int worker = omp_get_thread_num();
#pragma omp for schedule(dynamic, 1)
        for (long i = 0; i < count; ++i) body(i, worker);
    }
}

}  // namespace parcrop
