// Strings that hold JSON, in every shape `dj` reads: std::string,
// std::string_view, char *, const char * and char[N].
#include <cstdio>
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

int main()
{
    std::string small = R"({"name": "gdbext", "commands": ["dm", "dj", "pl", "tp", "prof"], "version": 1})";
    std::string big = big_document(16000);
    std::string_view view = small;
    const char *cstr = "[1, 2.5, null, true, \"caf\xc3\xa9 \xe2\x98\x95\"]";
    char *mutable_cstr = strdup("{\"nested\": {\"deep\": {\"deeper\": [1, {\"x\": []}]}}}");
    char array[64] = "{\"array\": \"in a char[64]\"}";
    std::string broken = "{\"a\": 1,\n \"b\": 2\n \"c\": 3}";
    std::string empty;
    int number = 42;

    inspect(small, view, cstr);
    std::printf("%zu %s %s %s %zu %d\n", big.size(), mutable_cstr, array, broken.c_str(),
                empty.size(), number);
    free(mutable_cstr);
    return 0;
}
