using System.Text;

namespace Berth.Streaming.Tests;

public class SpdyFramesTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task A_control_frame_is_version_3_with_its_type_flags_and_length_and_reads_back()
    {
        using var wire = new MemoryStream();
        using var writer = new SpdyFrameWriter(wire);

        await writer.WriteControlAsync(SpdyFrame.Ping, 0, new byte[] { 0, 0, 0, 7 }, Ct);

        Assert.Equal([0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 7], wire.ToArray());
        wire.Position = 0;
        var frame = Assert.NotNull(await SpdyFrame.ReadAsync(wire, Ct));
        Assert.True(frame.Control);
        Assert.Equal(SpdyFrame.Ping, frame.Type);
        Assert.False(frame.Fin);
        Assert.Equal([0, 0, 0, 7], frame.Payload);
    }

    [Fact]
    public async Task A_data_frame_carries_its_stream_id_and_fin_and_reads_back()
    {
        using var wire = new MemoryStream();
        using var writer = new SpdyFrameWriter(wire);

        await writer.WriteDataAsync(5, "abc"u8.ToArray(), fin: true, Ct);

        Assert.Equal([0, 0, 0, 5, SpdyFrame.FlagFin, 0, 0, 3, (byte)'a', (byte)'b', (byte)'c'], wire.ToArray());
        wire.Position = 0;
        var frame = Assert.NotNull(await SpdyFrame.ReadAsync(wire, Ct));
        Assert.False(frame.Control);
        Assert.Equal(5u, frame.StreamId);
        Assert.True(frame.Fin);
        Assert.Equal("abc", Encoding.ASCII.GetString(frame.Payload));
    }

    [Fact]
    public async Task Data_over_32_KiB_goes_in_several_frames_with_fin_on_the_last_only()
    {
        using var wire = new MemoryStream();
        using var writer = new SpdyFrameWriter(wire);
        var data = Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray();

        await writer.WriteDataAsync(3, data, fin: true, Ct);

        wire.Position = 0;
        var frames = new List<SpdyFrame>();
        while (await SpdyFrame.ReadAsync(wire, Ct) is { } frame)
        {
            frames.Add(frame);
        }

        Assert.Equal([32 * 1024, 32 * 1024, 70_000 - (64 * 1024)], frames.Select(f => f.Payload.Length));
        Assert.Equal([false, false, true], frames.Select(f => f.Fin));
        Assert.Equal(data, frames.SelectMany(f => f.Payload));
    }

    [Fact]
    public async Task A_close_without_data_is_one_empty_frame_with_fin()
    {
        using var wire = new MemoryStream();
        using var writer = new SpdyFrameWriter(wire);

        await writer.WriteDataAsync(1, ReadOnlyMemory<byte>.Empty, fin: true, Ct);

        Assert.Equal([0, 0, 0, 1, SpdyFrame.FlagFin, 0, 0, 0], wire.ToArray());
    }

    [Fact]
    public async Task A_connection_that_ends_inside_a_frame_has_no_more_frames()
    {
        using var wire = new MemoryStream([0, 0, 0, 1, 0, 0, 0, 9, (byte)'x']);

        Assert.Null(await SpdyFrame.ReadAsync(wire, Ct));
    }

    [Fact]
    public void A_header_block_has_lower_case_names_and_decodes_without_regard_to_case()
    {
        var block = SpdyFrame.EncodeHeaders([(StreamHeaders.StreamType, StreamTypes.Data), (StreamHeaders.RequestId, "7")]);

        Assert.Equal([0, 0, 0, 2, 0, 0, 0, 10], block[..8]);
        Assert.Equal("streamtype", Encoding.ASCII.GetString(block, 8, 10));
        var headers = SpdyFrame.DecodeHeaders(block);
        Assert.Equal(2, headers.Count);
        Assert.Equal("data", headers["StreamType"]);
        Assert.Equal("7", headers["requestid"]);
    }
}
