# Runs hescape-studio --load-session on a session whose run file is truncated:
# the app names the session and the broken file (printed with --screenshot),
# exits 1 (an error was reported) after drawing the window, and does not hang.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(WRITE ${WORK}/run.h5 "HDF truncated")
file(WRITE ${WORK}/s.hescape "{\"hescape_session\": 1, \"slide\": {\"absolute\": \"${DEMO}/C5.tiff\"}, \"dataset\": {\"absolute\": \"${DEMO}/C5.h5ad\"}, \"run\": {\"absolute\": \"${WORK}/run.h5\"}}")
execute_process(COMMAND ${STUDIO} --load-session ${WORK}/s.hescape --screenshot ${WORK}/shot.png --size 900x600
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 100)
message(STATUS "rc=${rc}\n${err}")
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit status 1 (an error reported), got ${rc}")
endif()
if(NOT err MATCHES "Session s.hescape: [^\n]*/run.h5: not an HDF5 file")
  message(FATAL_ERROR "the error does not name the session and the broken run file")
endif()
if(NOT EXISTS ${WORK}/shot.png)
  message(FATAL_ERROR "no screenshot: the window was not drawn")
endif()
