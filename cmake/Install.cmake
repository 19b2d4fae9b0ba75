# Install.cmake: `cmake --install build --prefix P` and the .deb (CPack,
# scripts/package.sh). Installs the three programs, their man pages
# (help2man, at build time), the bash completion of ntlmssp-harness, the
# docs, and the SSP as a library: headers under include/ntlmssp and a CMake
# package (find_package(ntlmssp) -> ntlmssp::ssp, ntlmssp::crypto; see
# docs/library.md). Data the programs need is built into them.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(NTLM_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/ntlmssp-harness)

# The programs.
set(NTLM_PROGRAMS ntlmssp-harness)
if(TARGET ntlmssp-bench AND TARGET ntlmssp-net-bench)
  list(APPEND NTLM_PROGRAMS ntlmssp-bench ntlmssp-net-bench)
endif()
install(TARGETS ${NTLM_PROGRAMS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Bash completion, generated from the built program's --help.
set(NTLM_COMPLETION ${PROJECT_BINARY_DIR}/share/ntlmssp-harness.bash)
add_custom_command(
  OUTPUT ${NTLM_COMPLETION}
  COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/gen-completion.sh $<TARGET_FILE:ntlmssp-harness>
          > ${NTLM_COMPLETION}
  DEPENDS ntlmssp-harness ${PROJECT_SOURCE_DIR}/scripts/gen-completion.sh
  COMMENT "Generating the bash completion of ntlmssp-harness")
add_custom_target(ntlm_completion ALL DEPENDS ${NTLM_COMPLETION})
install(FILES ${NTLM_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME ntlmssp-harness)

# Man pages, one per program (help2man, Debian package help2man).
find_program(NTLM_HELP2MAN help2man)
if(NTLM_HELP2MAN AND TARGET ntlmssp-bench)
  set(NTLM_MAN_PAGES ${PROJECT_BINARY_DIR}/man/ntlmssp-harness.1
                     ${PROJECT_BINARY_DIR}/man/ntlmssp-bench.1
                     ${PROJECT_BINARY_DIR}/man/ntlmssp-net-bench.1)
  add_custom_command(
    OUTPUT ${NTLM_MAN_PAGES}
    COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/gen-manpages.sh ${PROJECT_VERSION}
            ${PROJECT_BINARY_DIR}/man $<TARGET_FILE:ntlmssp-harness>
            $<TARGET_FILE:ntlmssp-bench> $<TARGET_FILE:ntlmssp-net-bench>
    DEPENDS ntlmssp-harness ntlmssp-bench ntlmssp-net-bench
            ${PROJECT_SOURCE_DIR}/scripts/gen-manpages.sh
    COMMENT "Generating the man pages (help2man)")
  add_custom_target(ntlm_man_pages ALL DEPENDS ${NTLM_MAN_PAGES})
  install(FILES ${NTLM_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
elseif("$ENV{CI}" MATCHES "^([Tt][Rr][Uu][Ee]|1|[Yy][Ee][Ss])$" AND TARGET ntlmssp-bench)
  message(FATAL_ERROR "CI=true but help2man (the man pages) is missing: install help2man")
else()
  message(STATUS "No man pages: help2man not found or the benchmarks not built")
endif()

# The docs.
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/SECURITY.md
        DESTINATION ${NTLM_DOC_DIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${NTLM_DOC_DIR}/docs)
# The transcripts recorded from real clients: the README's `profile` examples
# read them (vectors/transcripts/recorded in a clone).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/vectors/transcripts/recorded
        DESTINATION ${NTLM_DOC_DIR}/transcripts)

# The SSP as a library: ntlmssp::crypto and ntlmssp::ssp.
set(NTLM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ntlmssp)
set_target_properties(ntlm_crypto PROPERTIES EXPORT_NAME crypto)
set_target_properties(ntlm_ssp PROPERTIES EXPORT_NAME ssp)
install(TARGETS ntlm_crypto ntlm_ssp EXPORT ntlmsspTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ntlmssp)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/crypto ${PROJECT_SOURCE_DIR}/ssp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ntlmssp FILES_MATCHING PATTERN "*.h"
        PATTERN internal EXCLUDE)
install(EXPORT ntlmsspTargets NAMESPACE ntlmssp:: DESTINATION ${NTLM_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ntlmsspConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/ntlmsspConfig.cmake
                              INSTALL_DESTINATION ${NTLM_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ntlmsspConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ntlmsspConfig.cmake
              ${PROJECT_BINARY_DIR}/ntlmsspConfigVersion.cmake DESTINATION ${NTLM_CMAKE_DIR})

# The .deb (scripts/package.sh): ntlmssp-harness_VERSION_amd64.deb, its
# Depends computed by dpkg-shlibdeps from the installed programs.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ntlmssp-harness)
set(CPACK_PACKAGE_VENDOR "ntlmssp-harness")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Reference server-side NTLMv2 SSP and its NtlmMinServerSec test harness")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "ntlmssp-harness maintainers <ntlmssp-harness@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_STRIP_FILES ON)
include(CPack)
