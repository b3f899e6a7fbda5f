/* lua: a Lua 5.4 interpreter for nutshell, built on Debian's liblua5.4.a.
 *
 *   lua SCRIPT [ARGS...]   runs SCRIPT with the global `arg` as lua(1) sets it
 *   lua -e CHUNK           runs one chunk of code
 *
 * Debian ships the interpreter only as a glibc program (lua5.4), and its
 * source is not ours to copy, so this is a small main of our own over the
 * library: all standard libraries (base, package, coroutine, table, io, os,
 * string, math, utf8, debug), errors reported with a traceback on stderr,
 * exit status 1 on an error, or the status os.exit gave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

/* The message handler: adds a traceback to an error message. */
static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Runs the chunk on the top of the stack; reports an error as lua(1) does. */
static int run_chunk(lua_State *L, int load_status, const char *progname)
{
    int status = load_status;
    if (status == LUA_OK) {
        lua_pushcfunction(L, traceback);
        lua_insert(L, -2);
        status = lua_pcall(L, 0, 0, -2);
    }
    if (status != LUA_OK) {
        fprintf(stderr, "%s: %s\n", progname, lua_tostring(L, -1));
        return 1;
    }
    return 0;
}

/* arg[0] is the script, arg[1..] its arguments, arg[-1] the interpreter. */
static void set_arg_table(lua_State *L, int argc, char **argv)
{
    lua_createtable(L, argc - 2, 2);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - 1);
    }
    lua_setglobal(L, "arg");
}

int main(int argc, char **argv)
{
    const char *progname = argc > 0 ? argv[0] : "lua";
    if (argc < 2 || (!strcmp(argv[1], "-e") && argc != 3)) {
        fprintf(stderr, "usage: %s SCRIPT [ARGS...] | %s -e CHUNK\n", progname, progname);
        return 2;
    }
    lua_State *L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "%s: cannot create a Lua state: out of memory\n", progname);
        return 1;
    }
    luaL_openlibs(L);
    int status;
    if (!strcmp(argv[1], "-e")) {
        status = run_chunk(L, luaL_loadstring(L, argv[2]), progname);
    } else {
        set_arg_table(L, argc, argv);
        status = run_chunk(L, luaL_loadfile(L, argv[1]), progname);
    }
    lua_close(L);
    return status;
}
