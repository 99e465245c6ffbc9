// Strings that hold JSON, in every shape `dj` reads: std::string,
// std::string_view, char *, const char * and char[N]; and documents that
// test what dj promises: shown as written, checked strictly, selected by path.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

static void inspect(const std::string &doc, std::string_view view, const char *cstr)
{
    // Break here: `dj doc`, `dj view`, `dj cstr`.
    std::printf("%zu %zu %zu\n", doc.size(), view.size(), std::strlen(cstr));
}

static std::string big_document(int items)
{
    std::string out = "{\"items\": [";
    for (int i = 0; i < items; ++i) {
        if (i)
            out += ", ";
        out += "{\"id\": " + std::to_string(i) + ", \"name\": \"item-" + std::to_string(i) + "\"}";
    }
    out += "]}";
    return out;
}

// Records of the kind a service logs: nested objects, arrays, escapes,
// non-ASCII text, integers, decimals and literals.  `json_strings N` builds
// about N bytes of them for `make bench`.
static std::string records(std::size_t bytes)
{
    std::string out = "{\"records\": [";
    for (int i = 0; out.size() < bytes; ++i) {
        if (i)
            out += ", ";
        const std::string n = std::to_string(i);
        out += "{\"id\": " + n + ", \"user\": {\"login\": \"user-" + n +
               "\", \"admin\": " + (i % 7 ? "false" : "true") + "}, \"tags\": [\"a\", \"b" + n +
               "\"], \"score\": " + std::to_string(i % 1000) + ".25, \"text\": \"caf\xc3\xa9 \\\"" +
               n + "\\\"\\n\", \"parent\": null}";
    }
    out += "]}";
    return out;
}

static void shown(void)
{
    // Break here and go `up`: checks() has built every document.
    std::puts("every document is built");
}

static void checks(void)
{
    // Documents dj must show exactly as written, or refuse.
    std::string duplicates = R"({"a": 1, "b": {"a": 0}, "a": 2})";
    std::string numbers = "[1E400, -0, 1e2, 0.1000000000000000055511151231257827, -1.5e-7]";
    std::string escapes = R"({"quote": "\"hi\"", "path": "C:\\dir\/x", "e": "\u00e9\ud83d\ude00", "tab": "a\tb"})";
    std::string spacing = "  {\"a\" :1,\n\t\"b\":[ 1 ,2 ] ,  \"c\" : { } }  \r\n";
    std::string nan = "{\"x\": [1, NaN]}";
    std::string trailing = "{\"a\": [1, 2,]}";
    std::string single = "{'a': 1}";
    std::string comment = "{\"a\": 1 /* one */}";
    std::string bad_utf8 = "{\"name\": \"caf\xe9\", \"ok\": \"\xc3\xa9\", \"bytes\": \"\xff\xfe\"}";
    std::string surrogate = "[\"\\ud800\", \"\\udfff\"]";
    std::string lines = "{\"n\": 1, \"s\": \"one\"}\n{\"n\": 2, \"s\": \"two\"}\n{\"n\": 3, \"s\": \"three\"}\n";
    std::string spaces = " \n ";
    std::string nested = R"({"items": [{"id": 1, "tags": ["x", "y"]}, {"id": 2, "tags": []}], "a b": {"c": null}})";
    std::printf("%zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu\n", duplicates.size(),
                numbers.size(), escapes.size(), spacing.size(), nan.size(), trailing.size(),
                single.size(), comment.size(), bad_utf8.size(), surrogate.size(), lines.size(),
                spaces.size(), nested.size());
    shown();
}

int main(int argc, char **argv)
{
    std::string small = R"({"name": "gdbext", "commands": ["dm", "dj", "pl", "tp", "prof"], "version": 1})";
    std::string big = big_document(16000);
    std::string huge = argc > 1 ? records(std::strtoul(argv[1], nullptr, 10)) : std::string();
    std::string_view view = small;
    const char *cstr = "[1, 2.5, null, true, \"caf\xc3\xa9 \xe2\x98\x95\"]";
    char *mutable_cstr = strdup("{\"nested\": {\"deep\": {\"deeper\": [1, {\"x\": []}]}}}");
    char array[64] = "{\"array\": \"in a char[64]\"}";
    std::string broken = "{\"a\": 1,\n \"b\": 2\n \"c\": 3}";
    std::string empty;
    int number = 42;

    inspect(small, view, cstr);
    checks();
    std::printf("%zu %zu %s %s %s %zu %d\n", big.size(), huge.size(), mutable_cstr, array,
                broken.c_str(), empty.size(), number);
    free(mutable_cstr);
    return 0;
}
