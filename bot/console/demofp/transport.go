package demofp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Transport is an http.RoundTripper that serves every request with
// Handler in process: the demo Front Payment needs no port and no
// network, and the real client code still builds, sends and reads every
// request. Whatever the request's host, it reaches Handler.
type Transport struct {
	Handler http.Handler
}

// errAborted is what a request gets when the handler aborts its answer
// (Handler.Stop, or any handler panicking with http.ErrAbortHandler), as a
// server would drop the connection.
var errAborted = errors.New("demofp: the handler aborted the answer")

// RoundTrip serves req with t.Handler. It returns the context's error when
// req's context ended before the handler answered (a handler that gave up
// because the client did writes nothing: the client must see no answer,
// not an empty 200).
func (t Transport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	// A handler sees a request as a server would: always with a body.
	in := req.Clone(req.Context())
	if req.Body == nil {
		in.Body = http.NoBody
	} else {
		defer req.Body.Close()
	}
	in.RequestURI = req.URL.RequestURI()
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	w := &responseWriter{header: http.Header{}}
	if err := serve(t.Handler, w, in); err != nil {
		return nil, err
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	return w.response(req), nil
}

// serve runs h, turning its abort (http.ErrAbortHandler) into errAborted.
// Any other panic is the handler's bug and propagates.
func serve(h http.Handler, w http.ResponseWriter, r *http.Request) (err error) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			err = errAborted
		}
	}()
	h.ServeHTTP(w, r)
	return nil
}

// responseWriter keeps what a handler writes in memory: the status, the
// header as it was at WriteHeader, and the body.
type responseWriter struct {
	header http.Header // the handler's, changeable until WriteHeader
	sent   http.Header // the snapshot at WriteHeader
	status int         // 0 until WriteHeader
	body   bytes.Buffer
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(status int) {
	if w.status != 0 {
		return // a server ignores later calls, too
	}
	w.status = status
	w.sent = w.header.Clone()
}

func (w *responseWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// response is what the client receives for req.
func (w *responseWriter) response(req *http.Request) *http.Response {
	w.WriteHeader(http.StatusOK) // a handler that wrote nothing answered 200
	body := w.body.Bytes()
	h := w.sent
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{
		Status:        fmt.Sprintf("%03d %s", w.status, http.StatusText(w.status)),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
