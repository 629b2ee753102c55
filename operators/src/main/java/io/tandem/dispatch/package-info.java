/**
 * Dispatch of tensor batches from the CPU task set (P producer subtasks) to the inference subtasks
 * (C consumers) and back.
 *
 * <ul>
 *   <li>{@link io.tandem.dispatch.DispatchSchedule}: which consumer gets each batch, exactly even,
 *       with the fewest links, few producers per consumer and no bursts; {@link
 *       io.tandem.dispatch.ReferenceSchedule} is edsnlp's algorithm for comparison and {@link
 *       io.tandem.dispatch.ScheduleReport} prints both.
 *   <li>{@link io.tandem.dispatch.DispatchPartitioner} and {@link
 *       io.tandem.dispatch.ReturnToProducerPartitioner}: the two {@code partitionCustom} edges.
 *       Such edges refuse unaligned checkpoints, so Tandem uses aligned checkpoints.
 *   <li>{@link io.tandem.plan.CpuBudget} and {@link io.tandem.plan.WorkerPlan}: how many CPU and
 *       GPU workers to run.
 * </ul>
 */
package io.tandem.dispatch;
