# Picky warnings, in one place. MPL_WERROR turns them into errors (CI does).
set(MPL_WARNINGS
	-Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wcast-qual
	-Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wundef
	-Wvla -Wnull-dereference -Wdouble-promotion -Wimplicit-fallthrough
	-Wno-unused-parameter -Wno-missing-field-initializers)
add_compile_options(${MPL_WARNINGS})
if(MPL_WERROR)
	add_compile_options(-Werror)
endif()
add_compile_definitions(_GNU_SOURCE)
