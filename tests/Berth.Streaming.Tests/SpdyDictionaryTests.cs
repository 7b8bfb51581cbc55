using System.Text;

namespace Berth.Streaming.Tests;

/// <summary>Header blocks as both ends of a SPDY/3 connection compress them: one zlib stream per
/// direction, with the spec's dictionary.</summary>
public class SpdyDictionaryTests
{
    [Fact]
    public void Header_blocks_compressed_in_turn_decode_in_turn_with_the_spdy_dictionary()
    {
        using var deflater = ZlibCodec.Deflater(SpdyDictionary.Bytes);
        using var inflater = ZlibCodec.Inflater(SpdyDictionary.Bytes);
        (string, string)[][] blocks =
        [
            [(StreamHeaders.StreamType, StreamTypes.Error)],
            [(StreamHeaders.StreamType, StreamTypes.Data), (StreamHeaders.Port, "8080"), (StreamHeaders.RequestId, "0")],
            [],
        ];

        foreach (var headers in blocks)
        {
            var decoded = SpdyFrame.DecodeHeaders(inflater.Process(deflater.Process(SpdyFrame.EncodeHeaders(headers))));
            Assert.Equal(headers.Select(h => (h.Item1.ToLowerInvariant(), h.Item2)), decoded.Select(h => (h.Key, h.Value)));
        }
    }

    [Fact]
    public void A_header_block_names_the_spdy_dictionary_by_its_adler32()
    {
        using var deflater = ZlibCodec.Deflater(SpdyDictionary.Bytes);

        var packed = deflater.Process(SpdyFrame.EncodeHeaders([(StreamHeaders.StreamType, StreamTypes.Stdout)]));

        Assert.NotEqual(0, packed[1] & 0x20); // FDICT
        Assert.Equal(Adler32(SpdyDictionary.Bytes), (uint)((packed[2] << 24) | (packed[3] << 16) | (packed[4] << 8) | packed[5]));
    }

    [Fact]
    public void The_dictionary_is_length_prefixed_header_names_then_common_values()
    {
        var bytes = SpdyDictionary.Bytes;

        Assert.Equal([0, 0, 0, 7], bytes[..4]);
        Assert.Equal("options", Encoding.ASCII.GetString(bytes, 4, 7));
        Assert.EndsWith("charset=iso-8859-1,utf-,*,enq=0.", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
    }

    /// <summary>RFC 1950, 8.2.</summary>
    private static uint Adler32(byte[] data)
    {
        uint a = 1, b = 0;
        foreach (var x in data)
        {
            a = (a + x) % 65521;
            b = (b + a) % 65521;
        }

        return (b << 16) | a;
    }
}
