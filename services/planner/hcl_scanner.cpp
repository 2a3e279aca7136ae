#include "hcl_scanner.hpp"

#include <cctype>
#include <string>

namespace strata::planner::hcl {
namespace {

struct ScanFailure {
    int line;
    std::string message;
};

bool ident_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool ident_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c >= 0x80; }

// Where an expression stops: at the end of its line (an attribute), or at one of `stops` seen
// outside any bracket (a list element, a call argument, an interpolation).
struct Context {
    bool newline_ends;
    std::string_view stops;
};

class Scanner {
public:
    explicit Scanner(std::string_view s) : s_(s) {}

    Body body(int depth, int opened_line) {
        if (depth > kMaxDepth) fail("blocks nested deeper than " + std::to_string(kMaxDepth));
        Body out;
        for (;;) {
            skip_space(true);
            if (done()) {
                if (opened_line)
                    throw ScanFailure{
                        opened_line,
                        "block opened on line " + std::to_string(opened_line) + " is not closed"};
                return out;
            }
            if (peek() == '}') {
                if (!opened_line) fail("unexpected '}'");
                ++i_;
                return out;
            }
            int line = line_;
            if (!ident_start(peek()))
                fail(std::string("expected an attribute or a block, found '") +
                     static_cast<char>(peek()) + "'");
            std::string name = identifier();
            skip_space(false);
            if (peek() == '=' && peek(1) != '=') {
                ++i_;
                Attribute a{name, expression({true, "}"}, depth), line};
                out.attributes.push_back(std::move(a));
                continue;
            }
            Block b{name, {}, line, {}, {}};
            for (;;) {
                skip_space(false);
                if (peek() == '"') {
                    Value label = quoted(depth);
                    if (label.kind != Value::Kind::String)
                        fail("a block label cannot be a template");
                    b.labels.push_back(std::move(label.text));
                } else if (ident_start(peek())) {
                    b.labels.push_back(identifier());
                } else {
                    break;
                }
            }
            if (peek() != '{') fail("expected '{' after block " + name);
            ++i_;
            Body inner = body(depth + 1, line);
            b.attributes = std::move(inner.attributes);
            b.blocks = std::move(inner.blocks);
            out.blocks.push_back(std::move(b));
        }
    }

private:
    bool done() const { return i_ >= s_.size(); }
    unsigned char peek(std::size_t ahead = 0) const {
        return i_ + ahead < s_.size() ? static_cast<unsigned char>(s_[i_ + ahead]) : 0;
    }
    [[noreturn]] void fail(std::string message) const { throw ScanFailure{line_, message}; }

    void advance() {
        if (s_[i_] == '\n') ++line_;
        ++i_;
    }

    // Whitespace and comments; newlines too when `newlines`. A line comment stops before its
    // newline so that the newline still ends an attribute.
    void skip_space(bool newlines) {
        while (!done()) {
            unsigned char c = peek();
            if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n')) {
                advance();
            } else if (c == '#' || (c == '/' && peek(1) == '/')) {
                while (!done() && peek() != '\n') ++i_;
            } else if (c == '/' && peek(1) == '*') {
                int start = line_;
                i_ += 2;
                while (!done() && !(peek() == '*' && peek(1) == '/')) advance();
                if (done()) throw ScanFailure{start, "unterminated /* comment"};
                i_ += 2;
            } else {
                return;
            }
        }
    }

    std::string identifier() {
        std::size_t start = i_;
        while (!done() && ident_char(peek())) ++i_;
        return std::string(s_.substr(start, i_ - start));
    }

    // One expression; simple forms become String/Template/List/Call, the rest Other.
    Value expression(Context ctx, int depth) {
        if (depth > kMaxDepth) fail("expression nested deeper than " + std::to_string(kMaxDepth));
        skip_space(!ctx.newline_ends);
        if (done() || at_stop(ctx)) fail("expected an expression");
        Value v = term(depth);
        skip_space(!ctx.newline_ends);
        if (done() || at_stop(ctx)) return v;
        rest(ctx, depth);  // operators, traversals, conditionals: not a simple form
        return Value{};
    }

    bool at_stop(Context ctx) const {
        return (ctx.newline_ends && peek() == '\n') ||
               ctx.stops.find(static_cast<char>(peek())) != std::string_view::npos;
    }

    Value term(int depth) {
        unsigned char c = peek();
        if (c == '"') return quoted(depth);
        if (c == '<' && peek(1) == '<') return heredoc();
        if (c == '[') {
            ++i_;
            Value list{Value::Kind::List, "", {}};
            sequence(']', list.items, depth);
            return list;
        }
        if (c == '{' || c == '(') {
            ++i_;
            bracketed(c == '{' ? '}' : ')', depth + 1);
            return Value{};
        }
        if (ident_start(c)) {
            std::string name = identifier();
            if (peek() != '(') return Value{};
            ++i_;
            Value call{Value::Kind::Call, std::move(name), {}};
            sequence(')', call.items, depth);
            return call;
        }
        if (c == '}' || c == ']' || c == ')' || c == ',')
            fail(std::string("unexpected '") + static_cast<char>(c) + "'");
        advance();  // a number, an operator, ...: part of an expression we do not interpret
        return Value{};
    }

    // Elements up to `close`, separated by commas (a trailing comma allowed; newlines free).
    void sequence(char close, std::vector<Value>& items, int depth) {
        const char stops[] = {',', close, '\0'};
        for (;;) {
            skip_space(true);
            if (done()) fail(std::string("missing '") + close + "'");
            if (peek() == static_cast<unsigned char>(close)) {
                ++i_;
                return;
            }
            if (peek() == '.' && peek(1) == '.' && peek(2) == '.') i_ += 3;  // f(list...)
            items.push_back(expression({false, stops}, depth + 1));
            skip_space(true);
            if (peek() == ',') ++i_;
        }
    }

    // The rest of an expression after its first term, up to a stop outside brackets.
    void rest(Context ctx, int depth) {
        for (;;) {
            skip_space(!ctx.newline_ends);
            if (done() || at_stop(ctx)) return;
            unsigned char c = peek();
            if (c == '"' || (c == '<' && peek(1) == '<') || c == '[' || c == '{' || c == '(' ||
                ident_start(c)) {
                term(depth);
            } else if (c == ']' || c == ')' || c == '}' || c == ',') {
                fail(std::string("unexpected '") + static_cast<char>(c) + "'");
            } else {
                advance();
            }
        }
    }

    // Skips a bracketed construct (object, parentheses) up to its `close`, exactly.
    void bracketed(char close, int depth) {
        if (depth > kMaxDepth) fail("expression nested deeper than " + std::to_string(kMaxDepth));
        int start = line_;
        for (;;) {
            skip_space(true);
            if (done()) throw ScanFailure{start, std::string("missing '") + close + "'"};
            unsigned char c = peek();
            if (c == static_cast<unsigned char>(close)) {
                ++i_;
                return;
            }
            if (c == ']' || c == ')' || c == '}')
                fail(std::string("unexpected '") + static_cast<char>(c) + "'");
            if (c == '"' || (c == '<' && peek(1) == '<') || c == '[' || c == '{' || c == '(' ||
                ident_start(c))
                term(depth);
            else
                advance();
        }
    }

    // A quoted template. A String when it holds no interpolation or directive.
    Value quoted(int depth) {
        int start = line_;
        ++i_;  // opening quote
        std::string decoded;
        std::size_t raw_start = i_;
        bool templated = false;
        for (;;) {
            if (done() || peek() == '\n') throw ScanFailure{start, "unterminated string"};
            unsigned char c = peek();
            if (c == '"') break;
            if (c == '\\') {
                decoded += escape();
            } else if ((c == '$' || c == '%') && peek(1) == c && peek(2) == '{') {
                decoded += static_cast<char>(c);
                decoded += '{';
                i_ += 3;
            } else if ((c == '$' || c == '%') && peek(1) == '{') {
                templated = true;
                i_ += 2;
                interpolation(depth + 1);
            } else {
                decoded += static_cast<char>(c);
                ++i_;
            }
        }
        std::string raw(s_.substr(raw_start, i_ - raw_start));
        ++i_;  // closing quote
        if (templated) return Value{Value::Kind::Template, std::move(raw), {}};
        return Value{Value::Kind::String, std::move(decoded), {}};
    }

    std::string escape() {
        unsigned char e = peek(1);
        i_ += 2;
        switch (e) {
            case 'n':
                return "\n";
            case 'r':
                return "\r";
            case 't':
                return "\t";
            case '"':
                return "\"";
            case '\\':
                return "\\";
            case 'u':
            case 'U': {
                std::size_t n = e == 'u' ? 4 : 8;
                for (std::size_t k = 0; k < n; ++k)
                    if (!std::isxdigit(peek(k)))
                        fail("malformed \\" + std::string(1, e) + " escape");
                unsigned long cp = std::stoul(std::string(s_.substr(i_, n)), nullptr, 16);
                i_ += n;
                if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("invalid code point");
                return utf8(cp);
            }
            default:
                fail(e == 0 || e == '\n' ? "unterminated string"
                                         : std::string("unknown escape \\") + static_cast<char>(e));
        }
    }

    static std::string utf8(unsigned long cp) {
        std::string out;
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | ((cp >> 18) & 0x07));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        return out;
    }

    // The inside of ${ ... } or %{ ... }: an expression (strings, objects and all) up to '}'.
    void interpolation(int depth) { bracketed('}', depth); }

    Value heredoc() {
        int start = line_;
        i_ += 2;
        if (peek() == '-') ++i_;  // <<- only changes how the body is indented
        if (!ident_start(peek())) fail("expected a heredoc marker after <<");
        std::string marker = identifier();
        if (peek() == '\r') ++i_;
        if (peek() != '\n') fail("a heredoc marker must end its line");
        advance();
        std::size_t body_start = i_;
        for (;;) {
            if (done()) throw ScanFailure{start, "heredoc " + marker + " is not closed"};
            std::size_t line_start = i_;
            while (!done() && peek() != '\n') ++i_;
            std::string_view line = s_.substr(line_start, i_ - line_start);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            std::size_t lead = line.find_first_not_of(" \t");
            if (lead != std::string_view::npos && line.substr(lead) == marker) {
                std::string text(s_.substr(body_start, line_start - body_start));
                bool templated =
                    text.find("${") != std::string::npos || text.find("%{") != std::string::npos;
                return Value{
                    templated ? Value::Kind::Template : Value::Kind::String, std::move(text), {}};
            }
            if (!done()) advance();
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
    int line_ = 1;
};

}  // namespace

const Attribute* Block::attribute(std::string_view name) const {
    for (const auto& a : attributes)
        if (a.name == name) return &a;
    return nullptr;
}

Result<Body> scan(std::string_view source) {
    try {
        return Scanner(source).body(0, 0);
    } catch (const ScanFailure& f) {
        return make_error("line " + std::to_string(f.line) + ": " + f.message);
    }
}

}  // namespace strata::planner::hcl
