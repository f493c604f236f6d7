# Runs hescape-studio SLIDE --all-sections --screenshot as a user would: the
# All Sections window opens once the data set is there, its sections are
# read, and the screenshot is of that window (1100 x 760, its default size,
# read from the PNG header), not of the main window.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${STUDIO} ${DEMO}/C3.tiff --all-sections --screenshot ${WORK}/grid.png --size 900x600
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 100)
message(STATUS "rc=${rc}\n${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "expected exit status 0, got ${rc}")
endif()
if(NOT EXISTS ${WORK}/grid.png)
  message(FATAL_ERROR "no screenshot")
endif()
file(READ ${WORK}/grid.png size HEX OFFSET 16 LIMIT 8)
if(NOT size STREQUAL "0000044c000002f8")
  message(FATAL_ERROR "the screenshot is ${size} (hex width, height), not the 1100 x 760 All Sections window")
endif()
