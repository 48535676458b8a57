"""A process that loaded libparcrop through cffi's dlopen and ran batches on several
threads exits with status 0, every time.

An OpenMP runtime whose worker threads are still parked when the process exits (or
when the library is unloaded) can crash at interpreter exit; one bad exit in many is
the typical symptom, so the check runs in a loop of child processes.
"""

import os
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import threading
    import numpy as np
    from cffi import FFI
    import parcrop

    ffi = FFI()
    ffi.cdef('''
    void destroy(void*);
    void* initialize(uint64_t num_threads, bool use_vips);
    void parallel_crop_and_resize(void* handle, char** paths, uint8_t* out, float* scale, float* x,
                                  float* y, uint32_t window_size, uint32_t chans, float max_img_percent, size_t n);
    ''')
    lib = ffi.dlopen(parcrop.library_path())
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    data = b"P6 64 48 255\\n" + image.tobytes()

    def work(seed):
        with parcrop.Cropper(num_threads=2) as cropper:
            for _ in range(5):
                cropper.crop_boxes([data] * 8, [[0, 0, 64, 48]] * 8, 16)
        handle = lib.initialize(2, False)
        lib.parallel_crop_and_resize(handle, ffi.new("char*[]", [ffi.NULL]), ffi.new("uint8_t[]", 3 * 32 * 32),
                                     ffi.new("float[]", [0.2]), ffi.new("float[]", [0.1]),
                                     ffi.new("float[]", [0.1]), 32, 3, 0.25, 1)
        lib.destroy(handle)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    parcrop.crop_boxes([data] * 4, [[0, 0, 32, 32]] * 4, 8, num_threads=2)
    """
)


def test_processes_that_ran_batches_on_threads_exit_cleanly():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    for attempt in range(12):
        result = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"attempt {attempt}: exit {result.returncode}\n{result.stderr[-2000:]}"
