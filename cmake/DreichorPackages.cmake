# The Debian packages (packaging/README.md): `cpack` in a build tree makes three .deb files
#
#   dreichor-deploy-agent  the deploy agent and the engine gate, their systemd template units, the
#                          system users and the /opt/dreichor/<env> layout (postinst); no secrets
#   dreichor-tools         `dreichor`, the operator's tool, with the audit-log copy (shipper) and
#                          verification units
#   dreichor-services      the runtime, the market-data follower, the gateway, the migration tool
#                          and the migrations: what the container images install
#
# Binaries are stripped, dependencies come from dpkg-shlibdeps, and every package carries its
# copyright and changelog. Only programs are installed: no test, benchmark or header.

set(package_dir ${PROJECT_SOURCE_DIR}/packaging/debian)
set(doc share/doc)

install(TARGETS dreichor-deploy-agent dreichor-engine-gate RUNTIME DESTINATION sbin
        COMPONENT agent)
install(FILES ${PROJECT_SOURCE_DIR}/infra/deploy/dreichor-deploy-agent@.service
              ${PROJECT_SOURCE_DIR}/infra/deploy/dreichor-engine-gate@.service
        DESTINATION lib/systemd/system COMPONENT agent)
install(FILES ${package_dir}/README.deploy-agent DESTINATION ${doc}/dreichor-deploy-agent
        RENAME README COMPONENT agent)

install(TARGETS dreichor RUNTIME DESTINATION bin COMPONENT tools)
install(FILES ${PROJECT_SOURCE_DIR}/infra/deploy/dreichor-audit-ship@.service
              ${PROJECT_SOURCE_DIR}/infra/deploy/dreichor-audit-verify@.service
              ${PROJECT_SOURCE_DIR}/infra/deploy/dreichor-audit-verify@.timer
        DESTINATION lib/systemd/system COMPONENT tools)

install(TARGETS dreichor-runtime dreichor-marketdata dreichor-gateway dreichor-migrate
        RUNTIME DESTINATION bin COMPONENT services)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/infra/db/migrations/ DESTINATION share/dreichor/migrations
        COMPONENT services FILES_MATCHING PATTERN "*.sql")

# copyright and changelog.Debian.gz in each package's doc directory (Debian policy 12.5, 12.7).
set(changelog_gz ${PROJECT_BINARY_DIR}/packaging/changelog.Debian.gz)
add_custom_command(OUTPUT ${changelog_gz}
                   COMMAND gzip -9nc ${package_dir}/changelog > ${changelog_gz}
                   DEPENDS ${package_dir}/changelog)
add_custom_target(debian_changelog ALL DEPENDS ${changelog_gz})
foreach(component_package agent:dreichor-deploy-agent tools:dreichor-tools
                          services:dreichor-services)
  string(REPLACE ":" ";" pair ${component_package})
  list(GET pair 0 component)
  list(GET pair 1 package)
  install(FILES ${package_dir}/copyright ${changelog_gz} DESTINATION ${doc}/${package}
          COMPONENT ${component})
  # Each remaining lintian warning, explained where it is overridden.
  install(FILES ${package_dir}/lintian/${package} DESTINATION share/lintian/overrides
          COMPONENT ${component})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dreichor)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Dreichor developers <dev@dreichor.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL agent tools services)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME dreichor-deploy-agent)
set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/packaging/agent/postinst ${PROJECT_BINARY_DIR}/packaging/agent/postrm)
set(CPACK_COMPONENT_AGENT_DESCRIPTION
    "Dreichor deploy agent and engine gate, one per environment\n\
The deploy agent deploys, promotes, rolls back, stops and starts one\n\
environment's trading runtime container, authenticated by Cloudflare Access,\n\
readiness-gated and recorded in a hash-chained history. The engine gate is\n\
its only way to the container engine. Both run as systemd template units,\n\
one instance per environment (dev, staging, prod).")
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME dreichor-tools)
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
    "Dreichor operator tool\n\
The dreichor command verifies, tails, exports, copies and restores the audit\n\
log (file or PostgreSQL), proves inclusion and consistency against signed\n\
checkpoints, checks env files and verifies deploy histories. With systemd\n\
template units that keep a verified copy of an environment's audit log and\n\
verify it on a timer.")
set(CPACK_DEBIAN_SERVICES_PACKAGE_NAME dreichor-services)
set(CPACK_COMPONENT_SERVICES_DESCRIPTION
    "Dreichor trading runtime and its services\n\
The audit-first trading runtime, the market-data follower, the gateway for\n\
outside clients and the database migration tool with its migrations. The\n\
container images install this package; on a host the deploy agent runs\n\
them in containers.")

# CPack copies control files as they are; the maintainer scripts must be executable.
foreach(script postinst postrm)
  file(COPY ${package_dir}/deploy-agent.${script} DESTINATION ${PROJECT_BINARY_DIR}/packaging/agent
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                        WORLD_EXECUTE)
  file(RENAME ${PROJECT_BINARY_DIR}/packaging/agent/deploy-agent.${script}
       ${PROJECT_BINARY_DIR}/packaging/agent/${script})
endforeach()

include(CPack)
