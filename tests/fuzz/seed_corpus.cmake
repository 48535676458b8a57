# The seed-corpus generator, shared by tests/fuzz (fuzz builds) and tests/crashers (the
# replay tests of every build); whichever directory comes first defines it.
if(NOT TARGET parcrop_make_seed_corpus)
  find_package(ZLIB REQUIRED)
  set(_parcrop_tests_dir ${PROJECT_SOURCE_DIR}/tests)
  add_executable(parcrop_make_seed_corpus
    ${_parcrop_tests_dir}/fuzz/make_seed_corpus.cpp
    ${_parcrop_tests_dir}/hostile_images.cpp
    ${_parcrop_tests_dir}/image_fixtures.cpp
    ${_parcrop_tests_dir}/jpeg_fixtures.cpp
    ${_parcrop_tests_dir}/tiff_fixtures.cpp)
  target_include_directories(parcrop_make_seed_corpus PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include
                             ${_parcrop_tests_dir})
  target_link_libraries(parcrop_make_seed_corpus PRIVATE parcrop_core JPEG::JPEG PkgConfig::SPNG PkgConfig::WEBP PkgConfig::ZSTD ZLIB::ZLIB)
endif()
