# Finds every third-party library fedflow links, all from Debian packages
# (deploy/install-deps.sh installs them) and exposes each as an imported target.

find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

find_package(gflags REQUIRED)
find_package(glog REQUIRED)
find_package(leveldb REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(GTest REQUIRED)
find_package(OpenSSL REQUIRED)

# Apache Thrift (C++ library and compiler).
pkg_check_modules(THRIFT REQUIRED IMPORTED_TARGET thrift)
find_program(THRIFT_COMPILER thrift REQUIRED)

# ZooKeeper multi-threaded C client: the THREADED define selects the API with
# its own I/O and completion threads.
find_path(ZOOKEEPER_INCLUDE_DIR zookeeper/zookeeper.h REQUIRED)
find_library(ZOOKEEPER_MT_LIBRARY zookeeper_mt REQUIRED)
add_library(zookeeper_mt INTERFACE IMPORTED)
target_include_directories(zookeeper_mt INTERFACE ${ZOOKEEPER_INCLUDE_DIR})
target_link_libraries(zookeeper_mt INTERFACE ${ZOOKEEPER_MT_LIBRARY} Threads::Threads)
target_compile_definitions(zookeeper_mt INTERFACE THREADED)

# GMP for Paillier.
find_path(GMP_INCLUDE_DIR gmp.h REQUIRED)
find_library(GMP_LIBRARY gmp REQUIRED)
add_library(gmp INTERFACE IMPORTED)
target_include_directories(gmp INTERFACE ${GMP_INCLUDE_DIR})
target_link_libraries(gmp INTERFACE ${GMP_LIBRARY})
