# Writes OUT, a C file defining the bytes of the file IN as
# "const char NAME[]" (NUL-terminated) and "const size_t NAME_len" (without
# the NUL), declared by the header HEADER. Invoked by CMakeLists.txt.
file(READ ${IN} hex HEX)
file(SIZE ${IN} size)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
get_filename_component(from ${IN} NAME)
file(WRITE ${OUT} "/* Generated from ${from} by embed_file.cmake. */
#include \"${HEADER}\"

const char ${NAME}[] = {
${bytes}0};
const size_t ${NAME}_len = ${size};
")
