using System.Buffers.Binary;
using System.Text;

namespace Berth.Streaming;

/// <summary>
/// The preset dictionary of SPDY/3 header compression (draft-mbelshe-httpbis-spdy-00, 2.6.10.1):
/// common header names, each preceded by its length as a 32-bit big-endian number, then a run of
/// common values (status codes and phrases, dates, media types, encodings) as plain ASCII.
/// </summary>
internal static class SpdyDictionary
{
    private static readonly string[] Names =
    [
        "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset",
        "accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization",
        "cache-control", "connection", "content-base", "content-encoding", "content-language",
        "content-length", "content-location", "content-md5", "content-range", "content-type",
        "date", "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since",
        "if-none-match", "if-range", "if-unmodified-since", "last-modified", "location",
        "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
        "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent",
        "vary", "via", "warning", "www-authenticate", "method", "get", "status", "200 OK",
        "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin",
    ];

    private const string Values =
        "10010120120220520630030230330430530630740240540640740840941041141241341441541641"
        + "7502504505203 Non-Authoritative Information204 No Content301 Moved Permanently40"
        + "0 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error"
        + "501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept O"
        + "ct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,imag"
        + "e/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/"
        + "javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1"
        + ",utf-,*,enq=0.";

    public static readonly byte[] Bytes = Build();

    private static byte[] Build()
    {
        using var dictionary = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var name in Names)
        {
            BinaryPrimitives.WriteInt32BigEndian(length, name.Length);
            dictionary.Write(length);
            dictionary.Write(Encoding.ASCII.GetBytes(name));
        }

        dictionary.Write(Encoding.ASCII.GetBytes(Values));
        return dictionary.ToArray();
    }
}
