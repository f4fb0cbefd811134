using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Corrections.Testing;

/// <summary>
/// A real SMTP server on 127.0.0.1, the one relay of the tests. It keeps what it accepts, and plays the relay's faults:
/// its answer to each message can be scripted (451 once, then 250), it can hold messages unanswered, refuse logins, be
/// down (reserved, not yet started: connections are refused) or hang (accept connections and never say a word), and
/// recover at the same port.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<int> scriptedReplies = new();
    private readonly ConcurrentQueue<MimeMessage> received = new();
    private readonly ConcurrentQueue<DateTimeOffset> deliveryTimes = new();
    private readonly List<Socket> silentConnections = [];
    private CancellationTokenSource? running;
    private Task? serving;
    private int sessions;
    private int openSessions;
    private int mostOpenSessions;
    private int connections;
    private int openSilentConnections;
    private int deliveries;
    private int loginAttempts;
    private int held;
    private (string User, string Password)? login;
    private volatile bool refuseLogins;
    private volatile bool silent;
    private volatile TaskCompletionSource? gate;
    private long delayTicks;

    private TestSmtpServer(int port) => Port = port;

    public int Port { get; }

    public IReadOnlyCollection<MimeMessage> Messages => received.ToArray();

    /// <summary>The report each received message is about, in the order received: a report mailed twice is here twice.</summary>
    public IReadOnlyList<Guid> MailedReports => received.Select(ReportOf).ToArray();

    /// <summary>Reads the report id from the Message-ID, which starts with <c>report-{id:N}</c>.</summary>
    public static Guid ReportOf(MimeMessage message) =>
        message.MessageId is { Length: >= 39 } id && id.StartsWith("report-", StringComparison.Ordinal)
            ? Guid.ParseExact(id.AsSpan(7, 32), "N")
            : throw new FormatException($"'{message.MessageId}' is not the Message-ID of a report's mail");

    /// <summary>SMTP sessions: connections answered, not those taken in silence.</summary>
    public int Sessions => Volatile.Read(ref sessions);

    /// <summary>The most SMTP sessions that were open at the same time.</summary>
    public int MostOpenSessions => Volatile.Read(ref mostOpenSessions);

    /// <summary>Every connection accepted, answered or taken in silence.</summary>
    public int Connections => Volatile.Read(ref connections);

    /// <summary>Connections taken in silence whose client has not hung up yet.</summary>
    public int OpenSilentConnections => Volatile.Read(ref openSilentConnections);

    /// <summary>Messages whose data the server has read, whatever it answered.</summary>
    public int Deliveries => Volatile.Read(ref deliveries);

    /// <summary>When each delivery arrived, by the real clock.</summary>
    public IReadOnlyList<DateTimeOffset> DeliveryTimes => deliveryTimes.ToArray();

    public int LoginAttempts => Volatile.Read(ref loginAttempts);

    /// <summary>Messages read in full and waiting, unanswered, for <see cref="ReleaseMessages"/>.</summary>
    public int MessagesHeld => Volatile.Read(ref held);

    /// <summary>While set, every login is answered 535.</summary>
    public bool RefuseLogins
    {
        get => refuseLogins;
        set => refuseLogins = value;
    }

    /// <summary>
    /// While set, new connections are accepted and never answered: a relay that hangs. Once cleared, new connections are
    /// answered again, so the same address recovers; those taken in silence stay silent until their client hangs up.
    /// </summary>
    public bool Silent
    {
        get => silent;
        set => silent = value;
    }

    /// <summary>How long the server takes before it answers each message.</summary>
    public TimeSpan DelayEachMessage
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref delayTicks));
        set => Interlocked.Exchange(ref delayTicks, value.Ticks);
    }

    /// <summary>From now on, senders must log in (AUTH PLAIN or LOGIN, over plain text); call before <see cref="Start"/>.</summary>
    public void RequireLogin(string user, string password) => login = (user, password);

    /// <summary>Messages are read but not answered until <see cref="ReleaseMessages"/>: a relay stalled in the middle of a send.</summary>
    public void HoldMessages() => gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseMessages() => Interlocked.Exchange(ref gate, null)?.TrySetResult();

    /// <summary>Reserves a free port; the server listens only once <see cref="Start"/> is called.</summary>
    public static TestSmtpServer Reserve() => new(TestPorts.Next());

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
            .Endpoint(endpoint => endpoint
                .Endpoint(new IPEndPoint(IPAddress.Loopback, Port))
                .AllowUnsecureAuthentication(login is not null)
                .AuthenticationRequired(login is not null))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add((IEndpointListenerFactory)new ListenerFactory(this));
        if (login is not null)
            services.Add(new Authenticator(this));
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
        ReleaseMessages();
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
        lock (silentConnections)
            silentConnections.ForEach(c => c.Dispose());
        running.Dispose();
        running = null;
    }

    private async Task<SmtpResponse> ReceiveAsync(ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        deliveryTimes.Enqueue(DateTimeOffset.UtcNow);
        Interlocked.Increment(ref deliveries);
        if (gate is { } held)
        {
            Interlocked.Increment(ref this.held);
            try
            {
                await held.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref this.held);
            }
        }
        if (DelayEachMessage > TimeSpan.Zero)
            await Task.Delay(DelayEachMessage, cancellationToken);
        if (scriptedReplies.TryDequeue(out var code) && code != 250)
            return new SmtpResponse((SmtpReplyCode)code, code >= 500 ? "5.1.1 Mailbox unavailable" : "4.3.0 Try again later");
        await using var stream = new MemoryStream(buffer.ToArray());
        received.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
        return SmtpResponse.Ok;
    }

    /// <summary>Takes a connection and says nothing; reads and drops whatever comes, until the client gives up and closes.</summary>
    private async Task StaySilentAsync(Socket socket)
    {
        Interlocked.Increment(ref openSilentConnections);
        lock (silentConnections)
            silentConnections.Add(socket);
        try
        {
            var buffer = new byte[1024];
            while (await socket.ReceiveAsync(buffer, running!.Token) > 0)
            {
            }
        }
        catch (Exception)
        {
        }
        finally
        {
            Interlocked.Decrement(ref openSilentConnections);
            socket.Dispose();
        }
    }

    private sealed class Store(TestSmtpServer server) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken) =>
            server.ReceiveAsync(buffer, cancellationToken);
    }

    private sealed class Authenticator(TestSmtpServer server) : IUserAuthenticator
    {
        public Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref server.loginAttempts);
            return Task.FromResult(!server.refuseLogins && (user, password) == server.login);
        }
    }

    /// <summary>Accepts connections, and hands the SMTP library only those the server answers.</summary>
    private sealed class ListenerFactory(TestSmtpServer server) : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition) => new Listener(server, endpointDefinition.Endpoint);

        private sealed class Listener : IEndpointListener, IDisposable
        {
            private readonly TestSmtpServer server;
            private readonly TcpListener listener;

            public Listener(TestSmtpServer server, IPEndPoint endpoint)
            {
                this.server = server;
                listener = new TcpListener(endpoint);
                listener.Start();
            }

            public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
            {
                while (true)
                {
                    var socket = await listener.AcceptSocketAsync(cancellationToken);
                    Interlocked.Increment(ref server.connections);
                    if (server.Silent)
                    {
                        _ = server.StaySilentAsync(socket);
                        continue;
                    }
                    return new PlainPipe(new NetworkStream(socket, ownsSocket: true));
                }
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
                throw new NotSupportedException("The test SMTP server speaks plain SMTP only");

            public void Dispose() => stream.Dispose();
        }
    }
}
