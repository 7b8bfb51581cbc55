using System.IO.Compression;
using System.Text;

namespace Berth.Streaming.Tests;

public class ZlibCodecTests
{
    private static readonly byte[] Dictionary = Encoding.ASCII.GetBytes("streamtypestdinstdoutstderrerrorresizeportrequestid");

    [Fact]
    public void Blocks_compressed_in_one_stream_decompress_in_order_with_the_dictionary()
    {
        using var deflater = ZlibCodec.Deflater(Dictionary);
        using var inflater = ZlibCodec.Inflater(Dictionary);
        string[] blocks = ["streamtype: stdout", "streamtype: stderr, requestid: 7", new string('x', 100_000)];
        foreach (var block in blocks)
        {
            var packed = deflater.Process(Encoding.ASCII.GetBytes(block));
            Assert.Equal(block, Encoding.ASCII.GetString(inflater.Process(packed)));
        }
    }

    [Fact]
    public void The_stream_names_its_dictionary_and_is_plain_zlib()
    {
        using var deflater = ZlibCodec.Deflater(Dictionary);
        var packed = deflater.Process(Encoding.ASCII.GetBytes("streamtype"));
        Assert.Equal(0x78, packed[0]);
        Assert.NotEqual(0, packed[1] & 0x20); // FDICT: a reader must have the dictionary

        // A reader without it cannot continue the stream.
        using var zlib = new ZLibStream(new MemoryStream(packed), CompressionMode.Decompress);
        Assert.ThrowsAny<Exception>(() => zlib.ReadByte());
        using var wrongDictionary = ZlibCodec.Inflater(Encoding.ASCII.GetBytes("another dictionary"));
        Assert.Throws<InvalidDataException>(() => wrongDictionary.Process(packed));
    }
}
