# fedflow_thrift_library(<target> IDL <file.thrift>... [DEPENDS <other thrift targets>])
#
# Generates C++ for each IDL into ${CMAKE_BINARY_DIR}/gen-cpp and builds a static
# library of it. Two traits of the Thrift compiler shape this function:
#  - it rewrites only the files whose contents changed, so generated files may keep
#    an old mtime; a stamp file is therefore the custom command's OUTPUT and the
#    generated sources are BYPRODUCTS (otherwise make would rerun it forever);
#  - it writes <name>_constants.{h,cpp} only when the IDL declares a constant, and
#    one <Service>.{h,cpp} per service; the expected files are derived from the IDL
#    text at configure time (the IDL is a configure dependency, so edits re-derive).
function(fedflow_thrift_library target)
  cmake_parse_arguments(ARG "" "" "IDL;DEPENDS" ${ARGN})
  set(out_dir ${CMAKE_BINARY_DIR}/gen-cpp)
  file(MAKE_DIRECTORY ${out_dir})
  set(all_srcs)
  set(stamps)
  foreach(idl ${ARG_IDL})
    get_filename_component(idl_abs ${idl} ABSOLUTE)
    get_filename_component(name ${idl} NAME_WE)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${idl_abs})
    file(READ ${idl_abs} text)
    # Strip comments before looking for declarations.
    string(REGEX REPLACE "/\\*([^*]|\\*[^/])*\\*/" "" text "${text}")
    string(REGEX REPLACE "(//|#)[^\n]*" "" text "${text}")
    set(srcs ${out_dir}/${name}_types.cpp)
    set(hdrs ${out_dir}/${name}_types.h)
    if(text MATCHES "(^|\n)[ \t]*const[ \t]")
      list(APPEND srcs ${out_dir}/${name}_constants.cpp)
      list(APPEND hdrs ${out_dir}/${name}_constants.h)
    endif()
    string(REGEX MATCHALL "(^|\n)[ \t]*service[ \t]+[A-Za-z_][A-Za-z0-9_]*" services "${text}")
    foreach(svc ${services})
      string(REGEX REPLACE ".*service[ \t]+" "" svc "${svc}")
      list(APPEND srcs ${out_dir}/${svc}.cpp)
      list(APPEND hdrs ${out_dir}/${svc}.h)
    endforeach()
    set(stamp ${out_dir}/${name}.stamp)
    add_custom_command(
      OUTPUT ${stamp}
      BYPRODUCTS ${srcs} ${hdrs}
      COMMAND ${THRIFT_COMPILER} --gen cpp:no_skeleton,moveable_types -I ${CMAKE_SOURCE_DIR}/thrift
              -out ${out_dir} ${idl_abs}
      COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
      DEPENDS ${idl_abs}
      COMMENT "Thrift: generating C++ for ${name}.thrift"
      VERBATIM)
    list(APPEND all_srcs ${srcs})
    list(APPEND stamps ${stamp})
  endforeach()
  add_custom_target(${target}_gen DEPENDS ${stamps})
  add_library(${target} STATIC ${all_srcs})
  add_dependencies(${target} ${target}_gen)
  target_include_directories(${target} PUBLIC ${out_dir})
  target_link_libraries(${target} PUBLIC PkgConfig::THRIFT ${ARG_DEPENDS})
  # Generated code is not ours to fix; keep our -Wall -Wextra build quiet.
  target_compile_options(${target} PRIVATE -w)
endfunction()
