using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Corrections.Bench;

/// <summary>A local SMTP server that accepts every message and notes when each report's mail arrived.</summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly CancellationTokenSource running = new();
    private readonly Task serving;
    private int accepted;
    private int sessions;
    private long firstAt;
    private long lastAt;

    private SmtpSink(int port)
    {
        Port = port;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add((IEndpointListenerFactory)new NoDelayListenerFactory());
        var server = new SmtpServer.SmtpServer(options, services);
        server.SessionCreated += (_, _) => Interlocked.Increment(ref sessions);
        serving = server.StartAsync(running.Token);
    }

    public int Port { get; }
    public int Accepted => Volatile.Read(ref accepted);
    public int Sessions => Volatile.Read(ref sessions);

    /// <summary>When each report's mail was accepted (Stopwatch timestamp), by the report id in its Message-ID.</summary>
    public ConcurrentDictionary<Guid, long> ReportMailAt { get; } = new();

    /// <summary>From the first accepted mail to the last.</summary>
    public TimeSpan Span => Accepted < 2 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(Interlocked.Read(ref firstAt), Interlocked.Read(ref lastAt));

    public static SmtpSink Start(int port = 0) => new(port == 0 ? FreePort() : port);

    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Accepted < count && Stopwatch.GetTimestamp() < deadline)
            await Task.Delay(20);
    }

    public async ValueTask DisposeAsync()
    {
        await running.CancelAsync();
        try
        {
            await serving;
        }
        catch (OperationCanceledException)
        {
        }
        running.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Received(ReadOnlySequence<byte> message)
    {
        var now = Stopwatch.GetTimestamp();
        if (Interlocked.Increment(ref accepted) == 1)
            Interlocked.Exchange(ref firstAt, now);
        Interlocked.Exchange(ref lastAt, now);
        if (ReportId(message) is { } id)
            ReportMailAt.TryAdd(id, now);
    }

    /// <summary>The editors' mail has Message-ID report-{id:N}.…; found in the headers without parsing the whole message.</summary>
    private static Guid? ReportId(ReadOnlySequence<byte> message)
    {
        const string header = "Message-ID: <report-";
        var head = Encoding.ASCII.GetString(message.Slice(0, Math.Min(message.Length, 8192)).ToArray());
        var at = head.IndexOf(header, StringComparison.OrdinalIgnoreCase);
        if (at < 0 || at + header.Length + 32 > head.Length)
            return null;
        return Guid.TryParseExact(head.AsSpan(at + header.Length, 32), "N", out var id) ? id : null;
    }

    private sealed class Store(SmtpSink sink) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            sink.Received(buffer);
            return Task.FromResult(SmtpResponse.Ok);
        }
    }

    /// <summary>
    /// Accepts connections with Nagle's algorithm off. The library's own listener leaves it on, and its replies then
    /// wait for TCP's delayed acknowledgement: about 45 ms a message on loopback, which would measure the sink, not the service.
    /// </summary>
    private sealed class NoDelayListenerFactory : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition) => new Listener(endpointDefinition.Endpoint);

        private sealed class Listener : IEndpointListener, IDisposable
        {
            private readonly TcpListener listener;

            public Listener(IPEndPoint endpoint)
            {
                listener = new TcpListener(endpoint);
                listener.Start();
            }

            public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
            {
                var socket = await listener.AcceptSocketAsync(cancellationToken);
                socket.NoDelay = true;
                return new PlainPipe(new NetworkStream(socket, ownsSocket: true));
            }

            public void Dispose() => listener.Stop();
        }

        private sealed class PlainPipe(Stream stream) : ISecurableDuplexPipe
        {
            public PipeReader Input { get; } = PipeReader.Create(stream);
            public PipeWriter Output { get; } = PipeWriter.Create(stream);
            public bool IsSecure => false;
            public SslProtocols SslProtocol => SslProtocols.None;

            public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken) =>
                throw new NotSupportedException("The benchmark's SMTP server speaks plain SMTP only");

            public void Dispose() => stream.Dispose();
        }
    }
}
