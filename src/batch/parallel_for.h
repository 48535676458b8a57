// Runs the body for every index of a batch on a number of workers, with dynamic
// scheduling. OpenMP does the work, except in a child process forked after the parent
// used OpenMP: GNU libgomp's thread pool does not survive fork() (the child's next
// parallel region waits forever for threads that exist only in the parent), so there
// fresh std::threads take over. PyTorch DataLoader workers are such children.
#pragma once

#include <functional>

namespace parcrop {

// body(index, worker) for index in [0, count); worker in [0, workers) names the
// thread, for per-worker scratch memory. Blocks until every index is done.
void parallel_for(long count, int workers, const std::function<void(long index, int worker)>& body);

}  // namespace parcrop
