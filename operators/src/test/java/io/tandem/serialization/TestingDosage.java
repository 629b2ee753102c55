package io.tandem.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.tandem.doc.AttributeTypes;
import java.util.Objects;

/** A user-defined attribute value type, as a component would store: a drug dose. */
public final class TestingDosage {
    private final double amount;
    private final String unit;

    public TestingDosage(double amount, String unit) {
        this.amount = amount;
        this.unit = unit;
    }

    public double amount() {
        return amount;
    }

    public String unit() {
        return unit;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TestingDosage d && d.amount == amount && d.unit.equals(unit);
    }

    @Override
    public int hashCode() {
        return Objects.hash(amount, unit);
    }

    @Override
    public String toString() {
        return amount + " " + unit;
    }

    /** Its Kryo serializer, what a user registers with {@link AttributeTypes#register}. */
    public static final class KryoSerializer extends Serializer<TestingDosage> {
        public KryoSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, TestingDosage dosage) {
            output.writeDouble(dosage.amount);
            output.writeString(dosage.unit);
        }

        @Override
        public TestingDosage read(Kryo kryo, Input input, Class<? extends TestingDosage> type) {
            return new TestingDosage(input.readDouble(), input.readString());
        }
    }
}
