/* The text of an xl config: its checks before libxlutil sees it (UTF-8,
 * no NUL, libxlutil's grammar) and the key of every statement. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/xl-config-int.h"
#include "proto/mem.h"

/* Length of the well-formed UTF-8 sequence at s (s[0] >= 0x80): no
 * overlong forms, surrogates or code points past U+10FFFF; 0 if none. */
size_t xlc_utf8_length(const unsigned char *s, size_t left)
{
	unsigned char low = 0x80, high = 0xbf;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		low = 0xa0;
	else if (s[0] == 0xed)
		high = 0x9f;
	else if (s[0] == 0xf0)
		low = 0x90;
	else if (s[0] == 0xf4)
		high = 0x8f;
	if (left < n || s[1] < low || s[1] > high)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* libxlutil asserts on NUL bytes inside strings, and libxl's JSON cannot
 * carry what is not UTF-8: both are refused up front.  NULL if the text
 * is fine, else what is wrong with line *line. */
const char *xlc_text_problem(const char *text, size_t len, int *line)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n;

	*line = 1;
	while (i < len) {
		if (s[i] == '\0')
			return "contains a NUL byte";
		if (s[i] < 0x80) {
			*line += s[i++] == '\n';
			continue;
		}
		if ((n = xlc_utf8_length(s + i, len - i)) == 0)
			return "is not valid UTF-8";
		i += n;
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Syntax and statement keys.
 *
 * libxlutil cannot list the keys it read, and it leaks memory on text it
 * refuses (after a first error, list entries still being parsed are
 * dropped without being freed).  So the text is checked here first, with
 * the rules of libxlu_cfg_l.l and libxlu_cfg_y.y, and only valid text
 * reaches libxlutil:
 *   tokens: identifiers [a-z][._0-9a-z]*, numbers [0-9][0-9a-fx]*,
 *     '...' or "..." strings without newlines, '=', '+=', ',', ';', '[',
 *     ']', newline, '#' comment to the end of the line; blanks between
 *   file: { [key ('=' | '+=') value] (newline | ';') }
 *   value: string | number | '[' {nl} [value {nl} {',' {nl} value {nl}}
 *     [',' {nl}]] ']'
 * and "+=" of a list to a string or the other way round is refused, as
 * libxlutil does.  Stricter than libxlutil: only the escapes \" \' \\ \a
 * \b \f \n \r \t \v (libxlutil 4.17 always refuses \x and drops octal
 * escapes), and lists nest at most XL_MAX_DEPTH deep. */

#define XL_MAX_DEPTH 16
#define XL_MAX_STATEMENTS 1024	/* bounds libxlutil's quadratic lookups */

enum token {
	TOKEN_END,
	TOKEN_NEWLINE,
	TOKEN_IDENT,
	TOKEN_NUMBER,
	TOKEN_STRING,
	TOKEN_ASSIGN,
	TOKEN_APPEND,
	TOKEN_SEMICOLON,
	TOKEN_COMMA,
	TOKEN_OPEN,
	TOKEN_CLOSE,
	TOKEN_ERROR,
};

struct lexer {
	const char *text;
	size_t len, pos;
	int line;
	enum token token;
	const char *start;	/* of the token */
	size_t length;
	int token_line;
	char why[96];		/* TOKEN_ERROR or a syntax error */
};

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '_';
}

static bool number_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x';
}

static enum token lex_string(struct lexer *lx)
{
	char quote = lx->text[lx->pos++], c;

	for (;;) {
		if (lx->pos == lx->len || lx->text[lx->pos] == '\n') {
			snprintf(lx->why, sizeof lx->why, "unterminated string");
			return TOKEN_ERROR;
		}
		c = lx->text[lx->pos++];
		if (c == quote)
			return TOKEN_STRING;
		if (c != '\\')
			continue;
		c = lx->pos < lx->len ? lx->text[lx->pos] : '\n';
		if (c == '\n' || strchr("\"'\\abfnrtv", c) == NULL) {
			snprintf(lx->why, sizeof lx->why, "unsupported escape "
			    "in string");
			return TOKEN_ERROR;
		}
		lx->pos++;
	}
}

static void next_token(struct lexer *lx)
{
	const char *text = lx->text;
	char c;

	while (lx->pos < lx->len && (text[lx->pos] == ' ' ||
	    text[lx->pos] == '\t'))
		lx->pos++;
	lx->start = text + lx->pos;
	lx->token_line = lx->line;
	if (lx->pos == lx->len) {
		lx->token = TOKEN_END;
		lx->length = 0;
		return;
	}
	c = text[lx->pos++];
	if (c == '#' || c == '\n') {
		while (c != '\n' && lx->pos < lx->len)
			c = text[lx->pos++];
		lx->line++;
		lx->token = TOKEN_NEWLINE;
	} else if (c >= 'a' && c <= 'z') {
		while (lx->pos < lx->len && ident_char(text[lx->pos]))
			lx->pos++;
		lx->token = TOKEN_IDENT;
	} else if (c >= '0' && c <= '9') {
		while (lx->pos < lx->len && number_char(text[lx->pos]))
			lx->pos++;
		lx->token = TOKEN_NUMBER;
	} else if (c == '\'' || c == '"') {
		lx->pos--;
		lx->token = lex_string(lx);
	} else if (c == '+' && lx->pos < lx->len && text[lx->pos] == '=') {
		lx->pos++;
		lx->token = TOKEN_APPEND;
	} else if (strchr("=;,[]", c) != NULL) {
		lx->token = c == '=' ? TOKEN_ASSIGN : c == ';' ?
		    TOKEN_SEMICOLON : c == ',' ? TOKEN_COMMA : c == '[' ?
		    TOKEN_OPEN : TOKEN_CLOSE;
	} else {
		snprintf(lx->why, sizeof lx->why, c == '\r' ?
		    "unexpected carriage return (DOS line ends?)" :
		    "unexpected character");
		lx->token = TOKEN_ERROR;
	}
	lx->length = (size_t)(text + lx->pos - lx->start);
}

static bool syntax_error(struct lexer *lx, const char *expected)
{
	if (lx->token != TOKEN_ERROR)
		snprintf(lx->why, sizeof lx->why, "expected %s", expected);
	return false;
}

static void skip_newlines(struct lexer *lx)
{
	while (lx->token == TOKEN_NEWLINE)
		next_token(lx);
}

/* A value, starting at the current token; leaves the token after it. */
static bool parse_value(struct lexer *lx, int depth, bool *is_list)
{
	bool nested;

	*is_list = lx->token == TOKEN_OPEN;
	if (lx->token == TOKEN_STRING || lx->token == TOKEN_NUMBER) {
		next_token(lx);
		return true;
	}
	if (lx->token != TOKEN_OPEN)
		return syntax_error(lx, "a string, a number or '['");
	if (depth == XL_MAX_DEPTH) {
		snprintf(lx->why, sizeof lx->why, "lists nested too deep");
		return false;
	}
	next_token(lx);
	skip_newlines(lx);
	while (lx->token != TOKEN_CLOSE) {
		if (!parse_value(lx, depth + 1, &nested))
			return false;
		skip_newlines(lx);
		if (lx->token == TOKEN_CLOSE)
			break;
		if (lx->token != TOKEN_COMMA)
			return syntax_error(lx, "',' or ']'");
		next_token(lx);
		skip_newlines(lx);
	}
	next_token(lx);
	return true;
}

static void add_key(struct xlc *p, const char *name, size_t len, int line,
    bool is_list)
{
	p->keys = xrealloc(p->keys, (p->nkeys + 1) * sizeof *p->keys);
	p->keys[p->nkeys].name = xstrndup(name, len);
	p->keys[p->nkeys].line = line;
	p->keys[p->nkeys].is_list = is_list;
	p->nkeys++;
}

static const struct xlc_seen *last_key(const struct xlc *p, const char *name,
    size_t len)
{
	for (size_t i = p->nkeys; i-- > 0;)
		if (strncmp(p->keys[i].name, name, len) == 0 &&
		    p->keys[i].name[len] == '\0')
			return &p->keys[i];
	return NULL;
}

struct err *xlc_check_syntax(struct xlc *p, const char *text, size_t len,
    xlc_key_check_fn *key_check)
{
	struct lexer lx = { .text = text, .len = len, .line = 1 };
	const struct xlc_seen *previous;
	const char *key;
	size_t key_len, shown;
	int key_line;
	bool append, is_list;
	struct err *e;

	next_token(&lx);
	while (lx.token != TOKEN_END) {
		if (lx.token == TOKEN_NEWLINE || lx.token == TOKEN_SEMICOLON) {
			next_token(&lx);
			continue;
		}
		if (lx.token != TOKEN_IDENT) {
			syntax_error(&lx, "a key");
			goto fail;
		}
		key = lx.start;
		key_len = lx.length;
		key_line = lx.token_line;
		if ((e = key_check(key, key_len, key_line)) != NULL)
			return e;
		if (p->nkeys == XL_MAX_STATEMENTS)
			return err_new(ERR_INVALID_ARGUMENT, XLC_SOURCE " has "
			    "more than %d assignments", XL_MAX_STATEMENTS);
		next_token(&lx);
		if (lx.token != TOKEN_ASSIGN && lx.token != TOKEN_APPEND) {
			syntax_error(&lx, "'=' or '+='");
			goto fail;
		}
		append = lx.token == TOKEN_APPEND;
		next_token(&lx);
		if (!parse_value(&lx, 0, &is_list))
			goto fail;
		previous = last_key(p, key, key_len);
		if (append && previous != NULL && previous->is_list != is_list)
			return err_new(ERR_INVALID_ARGUMENT, XLC_SOURCE " line "
			    "%d: '+=' cannot add a %s to a %s", key_line,
			    is_list ? "list" : "string",
			    previous->is_list ? "list" : "string");
		add_key(p, key, key_len, key_line, is_list);
		if (lx.token != TOKEN_NEWLINE && lx.token != TOKEN_SEMICOLON &&
		    lx.token != TOKEN_END) {
			syntax_error(&lx, "a newline or ';'");
			goto fail;
		}
	}
	return NULL;

fail:
	/* Quote the token only as far as it is printable ASCII. */
	for (shown = 0; shown < lx.length && shown < 24; shown++)
		if ((unsigned char)lx.start[shown] < 0x20 ||
		    (unsigned char)lx.start[shown] >= 0x7f)
			break;
	if (shown == 0)
		return err_new(ERR_INVALID_ARGUMENT, XLC_SOURCE " line %d: "
		    "syntax error: %s", lx.token_line, lx.why);
	return err_new(ERR_INVALID_ARGUMENT, XLC_SOURCE " line %d: syntax "
	    "error near '%.*s': %s", lx.token_line, (int)shown, lx.start,
	    lx.why);
}

const struct xlc_seen *xlc_seen(const struct xlc *p, const char *key)
{
	return last_key(p, key, strlen(key));
}

void xlc_sanitize(char *msg)
{
	unsigned char *s = (unsigned char *)msg;
	size_t n, left = strlen(msg);

	while (left > 0) {
		n = *s >= 0x80 ? xlc_utf8_length(s, left) : 1;
		if (n == 0 || *s < 0x20 || *s == 0x7f) {
			*s = '?';
			n = 1;
		}
		s += n;
		left -= n;
	}
}
