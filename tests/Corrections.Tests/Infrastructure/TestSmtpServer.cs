using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Corrections.Tests.Infrastructure;

/// <summary>
/// A real SMTP server on 127.0.0.1 that keeps what it accepts. Its answer to each message can be scripted
/// (for example 451 once, then 250), and it can be started after the service, to play a relay that was down.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<int> scriptedReplies = new();
    private readonly ConcurrentQueue<MimeMessage> received = new();
    private CancellationTokenSource? running;
    private Task? serving;
    private int sessions;
    private int openSessions;
    private int mostOpenSessions;

    private TestSmtpServer(int port) => Port = port;

    public int Port { get; }
    public IReadOnlyCollection<MimeMessage> Messages => received.ToArray();
    public int Sessions => Volatile.Read(ref sessions);

    /// <summary>The most connections that were open at the same time.</summary>
    public int MostOpenSessions => Volatile.Read(ref mostOpenSessions);

    /// <summary>Reserves a free port; the server listens only once <see cref="Start"/> is called.</summary>
    public static TestSmtpServer Reserve() => new(FreePort());

    public static TestSmtpServer StartNew()
    {
        var server = Reserve();
        server.Start();
        return server;
    }

    /// <summary>The next messages get these reply codes, in order; after them every message is accepted.</summary>
    public void ReplyNext(params int[] codes)
    {
        foreach (var code in codes)
            scriptedReplies.Enqueue(code);
    }

    public void Start()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new ServiceProvider();
        services.Add(new Store(this));
        var server = new SmtpServer.SmtpServer(options, services);
        server.SessionCreated += (_, _) =>
        {
            Interlocked.Increment(ref sessions);
            var open = Interlocked.Increment(ref openSessions);
            int most;
            while (open > (most = Volatile.Read(ref mostOpenSessions)) && Interlocked.CompareExchange(ref mostOpenSessions, open, most) != most)
            {
            }
        };
        server.SessionCompleted += (_, _) => Interlocked.Decrement(ref openSessions);
        server.SessionFaulted += (_, _) => Interlocked.Decrement(ref openSessions);
        server.SessionCancelled += (_, _) => Interlocked.Decrement(ref openSessions);
        running = new CancellationTokenSource();
        serving = server.StartAsync(running.Token);
    }

    public async Task<IReadOnlyList<MimeMessage>> WaitForMessagesAsync(int count, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (received.Count < count)
        {
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"Expected {count} message(s), the SMTP server received {received.Count}");
            await Task.Delay(20);
        }
        return received.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        if (running is null)
            return;
        await running.CancelAsync();
        try
        {
            await serving!;
        }
        catch (OperationCanceledException)
        {
        }
        running.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Store(TestSmtpServer server) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            if (server.scriptedReplies.TryDequeue(out var code) && code != 250)
                return new SmtpResponse((SmtpReplyCode)code, code >= 500 ? "5.1.1 Mailbox unavailable" : "4.3.0 Try again later");
            await using var stream = new MemoryStream(buffer.ToArray());
            server.received.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }
}
