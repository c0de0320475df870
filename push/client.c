/*
 * client.c: POST a body of lines over HTTP(S) with libcurl, the only
 * file of the project that includes curl.h.
 *
 * The transfer: CURLOPT_NOSIGNAL (we are single-threaded but a resolver
 * timeout must not raise SIGALRM behind the runner's handlers), connect
 * and total timeouts, TLS verification on unless asked, redirects not
 * followed (a POST body must not wander). CURLcode and the HTTP status
 * are mapped to a negative errno here, at the module edge.
 *
 * This file does not decide what to push nor remembers what was pushed.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "push.h"

int push_url_check(const char *url, struct diag *d)
{
	CURLU *u = curl_url();
	CURLUcode rc;
	char *scheme = NULL;
	int ret = 0;

	if (!u)
		return -ENOMEM;
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	if (rc != CURLUE_OK)
		ret = diag_set(d, -EINVAL, "invalid push URL '%s': %s", url, curl_url_strerror(rc));
	else if (strcmp(scheme, "http") && strcmp(scheme, "https"))
		ret = diag_set(d, -EINVAL, "invalid push URL '%s': not http or https", url);
	curl_free(scheme);
	curl_url_cleanup(u);
	return ret;
}

int push_global_init(struct diag *d)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK)
		return diag_set(d, -EIO, "cannot initialise libcurl: %s", curl_easy_strerror(rc));
	return 0;
}

void push_global_cleanup(void)
{
	curl_global_cleanup();
}

static int push_curl_errno(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EINVAL;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		return -EPROTO;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return -ECONNRESET;
	default:
		return -EIO;
	}
}

static int push_http_errno(long status)
{
	switch (status) {
	case 400:
		return -EBADMSG;
	case 401:
	case 403:
		return -EACCES;
	case 404:
		return -ENOENT;
	case 413:
		return -EMSGSIZE;
	case 429:
		return -EAGAIN;
	default:
		return status >= 500 ? -EAGAIN : -EIO;
	}
}

/* The server's answer, kept short for the message. */
struct push_answer {
	char text[200];
	size_t len;
};

static size_t push_on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct push_answer *a = arg;
	size_t n = size * nmemb, room = sizeof(a->text) - 1 - a->len;

	memcpy(a->text + a->len, data, n < room ? n : room);
	a->len += n < room ? n : room;
	a->text[a->len] = '\0';
	return n;
}

int push_post(const struct push_opts *o, const char *body, size_t len, struct diag *d)
{
	char errbuf[CURL_ERROR_SIZE] = "", *auth = NULL;
	struct curl_slist *headers = NULL, *h;
	struct push_answer answer = { "", 0 };
	CURL *c;
	CURLcode rc;
	long status = 0;
	int ret = 0;

	c = curl_easy_init();
	if (!c)
		return diag_set(d, -ENOMEM, "cannot push to '%s': cannot create a libcurl handle",
				o->url);
	h = curl_slist_append(headers, "Content-Type: text/plain; charset=utf-8");
	if (h)
		headers = h;
	if (h && o->token) {
		bool scheme = !strncmp(o->token, "Token ", 6) || !strncmp(o->token, "Bearer ", 7);

		if (asprintf(&auth, "Authorization: %s%s", scheme ? "" : "Token ", o->token) < 0)
			auth = NULL;
		h = auth ? curl_slist_append(headers, auth) : NULL;
		if (h)
			headers = h;
	}
	if (!h) {
		ret = diag_set(d, -ENOMEM, "cannot push to '%s': out of memory", o->url);
		goto out;
	}
	rc = curl_easy_setopt(c, CURLOPT_URL, o->url);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_POST, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
				      o->connect_timeout_ms > 0 ? o->connect_timeout_ms :
								  PUSH_CONNECT_TIMEOUT_MS_DEFAULT);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
				      o->timeout_ms > 0 ? o->timeout_ms : PUSH_TIMEOUT_MS_DEFAULT);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, push_on_body);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_USERAGENT, "mptcp-lab");
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		ret = diag_set(d, push_curl_errno(rc), "cannot push to '%s': %s", o->url,
			       errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		for (char *p = answer.text; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		ret = diag_set(d, push_http_errno(status), "cannot push to '%s': HTTP %ld%s%s",
			       o->url, status, answer.len ? ": " : "", answer.text);
	}
out:
	curl_slist_free_all(headers);
	if (auth) {
		/* the token does not linger in freed memory */
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	curl_easy_cleanup(c);
	return ret;
}
